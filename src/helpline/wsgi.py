import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
application = get_wsgi_application()

from helpline.lib.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()  # gunicorn does not start with the public secret key (lib/checks.py)
