from django.urls import path

from helpline.configuration import views, views_channels

app_name = "configuration"

_base = "desk/<slug:org_slug>/settings/"

urlpatterns = [
    path(_base, views.index, name="index"),
    # channels
    path(_base + "mailboxes/", views_channels.mailboxes, name="mailboxes"),
    path(_base + "mailboxes/new/", views_channels.mailbox_new, name="mailbox_new"),
    path(_base + "mailboxes/<int:mailbox_id>/", views_channels.mailbox_edit, name="mailbox_edit"),
    path(
        _base + "mailboxes/<int:mailbox_id>/test/<str:protocol>/",
        views_channels.mailbox_test,
        name="mailbox_test",
    ),
    path(
        _base + "mailboxes/<int:mailbox_id>/active/",
        views_channels.mailbox_active,
        name="mailbox_active",
    ),
    path(_base + "chat/", views_channels.chat, name="chat"),
    path(_base + "web-form/", views_channels.webform, name="webform"),
    path(_base + "privacy-notices/", views_channels.notices, name="notices"),
    path(_base + "privacy-notices/new/", views_channels.notice_new, name="notice_new"),
    path(
        _base + "privacy-notices/<int:notice_id>/", views_channels.notice_edit, name="notice_edit"
    ),
    path(
        _base + "privacy-notices/<int:notice_id>/publish/",
        views_channels.notice_publish,
        name="notice_publish",
    ),
    path(
        _base + "privacy-notices/<int:notice_id>/delete/",
        views_channels.notice_delete,
        name="notice_delete",
    ),
    path(_base + "mail-templates/", views_channels.mail_templates, name="mail_templates"),
    path(
        _base + "mail-templates/<str:kind>/<str:language>/",
        views_channels.mail_template_edit,
        name="mail_template_edit",
    ),
]
