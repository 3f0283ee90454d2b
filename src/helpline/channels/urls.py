from django.urls import path

from helpline.channels import views

app_name = "helpline_channels"

_org = "desk/<slug:org_slug>/"

urlpatterns = [
    path(_org + "inbound/", views.inbound_list, name="inbound_list"),
    path(_org + "inbound/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path(_org + "inbound/<int:inbound_id>/retry/", views.inbound_retry, name="inbound_retry"),
    path(_org + "outbound/<int:outbound_id>/retry/", views.outbound_retry, name="outbound_retry"),
    path(_org + "counter/", views.counter, name="counter"),
    path(_org + "assets/qr/", views.asset_qr_sheet, name="asset_qr"),
    path(_org + "chats/", views.chat_list, name="chat_list"),
    path(_org + "chats/<int:session_id>/", views.chat_detail, name="chat_detail"),
]
