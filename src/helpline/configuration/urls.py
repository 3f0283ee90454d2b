from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from helpline.configuration import (
    screens,
    views,
    views_channels,
    views_notifications,
    views_retention,
    views_users,
)
from helpline.configuration.crud import REGISTRY

app_name = "configuration"

_base = "desk/<slug:org_slug>/settings/"

assert screens  # registers the catalogue, routing and service-level screens

urlpatterns = [
    path(_base, views.index, name="index"),
    path(_base + "notifications/", views_notifications.notifications, name="notifications"),
    path(_base + "users/", views_users.users, name="users"),
    path(_base + "retention/", views_retention.retention, name="retention"),
    path(_base + "retention/preview/", views_retention.retention_preview, name="retention_preview"),
    path(_base + "users/invite/", views_users.invite, name="users_invite"),
    path(_base + "users/<int:member_id>/", views_users.member_detail, name="member"),
    path(_base + "users/<int:member_id>/role/", views_users.member_role, name="member_role"),
    path(_base + "users/<int:member_id>/active/", views_users.member_active, name="member_active"),
    path(
        _base + "users/<int:member_id>/password-reset/",
        views_users.member_reset,
        name="member_reset",
    ),
    path(_base + "users/<int:member_id>/tokens/", views_users.token_create, name="token_create"),
    path(
        _base + "users/<int:member_id>/tokens/<int:token_id>/revoke/",
        views_users.token_revoke,
        name="token_revoke",
    ),
    # The link of an invitation or a password reset (Django's token machinery).
    path(
        "password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="configuration/users/password_set.html",
            success_url=reverse_lazy("configuration:password_set_done"),
        ),
        name="password_set",
    ),
    path(
        "password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="configuration/users/password_set_done.html"
        ),
        name="password_set_done",
    ),
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

for _key in REGISTRY:
    _kw = {"key": _key}
    urlpatterns += [
        path(f"{_base}{_key}/", views.crud_list, _kw, name=_key),
        path(f"{_base}{_key}/new/", views.crud_create, _kw, name=f"{_key}_new"),
        path(f"{_base}{_key}/<int:pk>/", views.crud_edit, _kw, name=f"{_key}_edit"),
        path(f"{_base}{_key}/<int:pk>/delete/", views.crud_delete, _kw, name=f"{_key}_delete"),
    ]
