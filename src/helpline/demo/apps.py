from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "helpline.demo"
    verbose_name = "Demo data"
