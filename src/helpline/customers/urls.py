from django.urls import path

from helpline.customers import views

app_name = "customers"

_org = "desk/<slug:org_slug>/"
_customer = _org + "customers/<int:customer_id>/"

urlpatterns = [
    path(_org + "search/", views.search_page, name="search"),
    path(_org + "customers/import/", views.import_page, name="import"),
    path(_customer, views.customer_detail, name="detail"),
    path(_customer + "identity-checks/", views.identity_start, name="identity_start"),
    path(_customer + "accounts/", views.account_create, name="account_create"),
    path(_customer + "consents/", views.consent_record, name="consent"),
    path(_customer + "notifications/", views.notify_by_update, name="notify_by"),
    path(_customer + "export.<str:fmt>", views.export, name="export"),
    path(_customer + "erase/", views.erase, name="erase"),
    path(_org + "identity-checks/<int:check_id>/verify/", views.identity_verify, name="verify"),
    path(_org + "accounts/<int:account_id>/", views.account_update, name="account_update"),
]
