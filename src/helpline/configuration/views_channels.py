"""The channel screens of the settings area: mailboxes (IMAP in, SMTP out, connection tests),
chat, the web form, privacy notices and mail templates.

Thin: objects come from the owning apps' selectors, scoped by the member's organisation
(another tenant's id is a 404), and writes go through their services, which audit them.
Mailboxes, chat, web form and privacy notices need ``MANAGE_CHANNELS``; mail templates
``MANAGE_TEMPLATES``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpline.cases import selectors as case_selectors
from helpline.channels import configuration as channel_config
from helpline.channels import selectors as channel_selectors
from helpline.channels.models import ConnectionState, Mailbox
from helpline.configuration.forms_channels import (
    CHAT_ERRORS,
    MAILBOX_ERRORS,
    WEBFORM_ERRORS,
    ChatForm,
    MailboxForm,
    MailTemplateForm,
    NoticeForm,
    WebFormSettingsForm,
)
from helpline.configuration.views import settings_context
from helpline.desk.forms import add_service_errors
from helpline.lib.errors import FieldValidationError, IllegalTransition
from helpline.notify import configuration as template_config
from helpline.notify.models import TemplateKind
from helpline.portal import privacy
from helpline.portal import selectors as portal_selectors
from helpline.routing import selectors as routing_selectors
from helpline.sla import selectors as sla_selectors
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, org_view, request_actor

# --- mailboxes -------------------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def mailboxes(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    org = membership.organization
    ctx = settings_context(request, membership)
    ctx["mailboxes"] = list(channel_selectors.mailbox_list(org=org))
    return render(request, "configuration/channels/mailboxes.html", ctx)


def _mailbox_form(membership: Membership, data: Any = None, initial: Any = None) -> MailboxForm:
    org = membership.organization
    return MailboxForm(
        data,
        initial=initial,
        topics=case_selectors.topics_for(org=org),
        queues=routing_selectors.queues_for(org=org),
    )


def _mailbox_data(form: MailboxForm) -> channel_config.MailboxData:
    d = form.cleaned_data
    return channel_config.MailboxData(
        name=d["name"],
        address=d["address"],
        kind=d["kind"],
        purpose=d["purpose"],
        topic_id=d["topic"],
        queue_id=d["queue"],
        closed_case_policy=d["closed_case_policy"],
        imap_host=d["imap_host"],
        imap_port=d["imap_port"],
        imap_ssl=d["imap_ssl"],
        imap_user=d["imap_user"],
        imap_password=d["imap_password"],
        imap_folder=d["imap_folder"],
        smtp_host=d["smtp_host"],
        smtp_port=d["smtp_port"],
        smtp_security=d["smtp_security"],
        smtp_user=d["smtp_user"],
        smtp_password=d["smtp_password"],
        is_active=True,
    )


def _test_untested(request: DeskRequest, mailbox: Mailbox) -> Mailbox:
    """After a save, new login details are tried at once: a mailbox that cannot log in is
    saved as not working, with the server's answer, never silently."""
    actor = request_actor(request)
    if mailbox.imap_host and mailbox.imap_state == ConnectionState.UNTESTED:
        mailbox = channel_config.test_imap_connection(mailbox=mailbox, actor=actor)
    if mailbox.smtp_host and mailbox.smtp_state == ConnectionState.UNTESTED:
        mailbox = channel_config.test_smtp_connection(mailbox=mailbox, actor=actor)
    for label, state, answer in (
        ("IMAP", mailbox.imap_state, mailbox.imap_check_answer),
        ("SMTP", mailbox.smtp_state, mailbox.smtp_check_answer),
    ):
        if state == ConnectionState.FAILING:
            messages.error(
                request,
                _("%(protocol)s login failed; the mailbox is saved as not working: %(answer)s")
                % {"protocol": label, "answer": answer},
            )
    return mailbox


@org_view
@require_http_methods(["GET", "POST"])
def mailbox_new(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    form = _mailbox_form(membership, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                box = channel_config.create_mailbox(
                    org=membership.organization,
                    actor=request_actor(request),
                    data=_mailbox_data(form),
                )
            except FieldValidationError as exc:
                add_service_errors(form, exc, MAILBOX_ERRORS)
            else:
                box = _test_untested(request, box)
                messages.success(request, _("Mailbox saved."))
                return redirect("configuration:mailbox_edit", membership.organization.slug, box.pk)
        status = 422
    ctx = settings_context(request, membership)
    ctx.update(form=form, mailbox=None)
    return render(request, "configuration/channels/mailbox_form.html", ctx, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: DeskRequest, membership: Membership, mailbox_id: int) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    box = channel_selectors.get_mailbox(org=membership.organization, mailbox_id=mailbox_id)
    initial = {
        name: getattr(box, name)
        for name in (
            "name",
            "address",
            "kind",
            "purpose",
            "closed_case_policy",
            "imap_host",
            "imap_port",
            "imap_ssl",
            "imap_user",
            "imap_folder",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_user",
        )
    }
    initial.update(topic=box.topic_id, queue=box.queue_id)
    form = _mailbox_form(membership, request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = _mailbox_data(form)
            data.is_active = box.is_active
            try:
                box = channel_config.update_mailbox(
                    mailbox=box, actor=request_actor(request), data=data
                )
            except FieldValidationError as exc:
                add_service_errors(form, exc, MAILBOX_ERRORS)
            else:
                _test_untested(request, box)
                messages.success(request, _("Mailbox saved."))
                return redirect("configuration:mailbox_edit", membership.organization.slug, box.pk)
        status = 422
    ctx = settings_context(request, membership)
    ctx.update(form=form, mailbox=box)
    return render(request, "configuration/channels/mailbox_form.html", ctx, status=status)


@org_view
@require_POST
def mailbox_test(
    request: DeskRequest, membership: Membership, mailbox_id: int, protocol: str
) -> HttpResponse:
    """The "Test connection" buttons: a real login, whose outcome is stored and shown."""
    require(membership, Action.MANAGE_CHANNELS)
    box = channel_selectors.get_mailbox(org=membership.organization, mailbox_id=mailbox_id)
    actor = request_actor(request)
    if protocol == "imap":
        box = channel_config.test_imap_connection(mailbox=box, actor=actor)
        ok, answer = box.imap_state == ConnectionState.WORKING, box.imap_check_answer
    elif protocol == "smtp":
        box = channel_config.test_smtp_connection(mailbox=box, actor=actor)
        ok, answer = box.smtp_state == ConnectionState.WORKING, box.smtp_check_answer
    else:
        raise Http404
    label = protocol.upper()
    if ok:
        messages.success(
            request,
            _("%(protocol)s connection works: %(answer)s") % {"protocol": label, "answer": answer},
        )
    else:
        messages.error(
            request,
            _("%(protocol)s connection failed: %(answer)s") % {"protocol": label, "answer": answer},
        )
    return redirect("configuration:mailbox_edit", membership.organization.slug, box.pk)


@org_view
@require_POST
def mailbox_active(request: DeskRequest, membership: Membership, mailbox_id: int) -> HttpResponse:
    """Disable a mailbox (it is no longer polled nor receives mail) or enable it again."""
    require(membership, Action.MANAGE_CHANNELS)
    box = channel_selectors.get_mailbox(org=membership.organization, mailbox_id=mailbox_id)
    active = request.POST.get("active") == "1"
    channel_config.set_mailbox_active(mailbox=box, actor=request_actor(request), active=active)
    messages.success(request, _("Mailbox enabled.") if active else _("Mailbox disabled."))
    return redirect("configuration:mailboxes", membership.organization.slug)


# --- chat ------------------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def chat(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    org = membership.organization
    current = channel_selectors.chat_settings(org=org)
    initial: dict[str, Any] = {"closed_on_holidays": True}
    if current is not None:
        initial = {
            "is_enabled": current.is_enabled,
            "queue": current.queue_id,
            "calendar": current.calendar_id,
            "closed_on_holidays": current.closed_on_holidays,
            **{f"greeting_{k}": v for k, v in (current.greetings or {}).items()},
        }
    form = ChatForm(
        request.POST or None,
        initial=initial,
        queues=routing_selectors.queues_for(org=org),
        calendars=sla_selectors.calendars_for(org=org),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                channel_config.save_chat_settings(
                    org=org,
                    actor=request_actor(request),
                    data=channel_config.ChatData(
                        is_enabled=d["is_enabled"],
                        queue_id=d["queue"],
                        calendar_id=d["calendar"],
                        closed_on_holidays=d["closed_on_holidays"],
                        greetings=form.greetings(),
                    ),
                )
            except FieldValidationError as exc:
                add_service_errors(form, exc, CHAT_ERRORS)
            else:
                messages.success(request, _("Chat settings saved."))
                return redirect("configuration:chat", org.slug)
        status = 422
    ctx = settings_context(request, membership)
    ctx.update(form=form, chat=current)
    ctx["greeting_fields"] = [form[f"greeting_{code}"] for code, _n in settings.LANGUAGES]
    return render(request, "configuration/channels/chat.html", ctx, status=status)


# --- web form --------------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def webform(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    org = membership.organization
    current = channel_selectors.webform_settings(org=org)
    initial = {name: getattr(current, name) for name in channel_config.WEBFORM_FIELDS}
    initial["topics"] = channel_selectors.webform_topic_ids(org=org)
    form = WebFormSettingsForm(
        request.POST or None, initial=initial, topics=case_selectors.topics_for(org=org)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                channel_config.save_webform_settings(
                    org=org,
                    actor=request_actor(request),
                    data=channel_config.WebFormData(
                        topic_ids=d["topics"],
                        **{name: d[name] for name in channel_config.WEBFORM_FIELDS},
                    ),
                )
            except FieldValidationError as exc:
                add_service_errors(form, exc, WEBFORM_ERRORS)
            else:
                messages.success(request, _("Web form settings saved."))
                return redirect("configuration:webform", org.slug)
        status = 422
    ctx = settings_context(request, membership)
    ctx.update(form=form)
    return render(request, "configuration/channels/webform.html", ctx, status=status)


# --- privacy notices -------------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def notices(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    ctx = settings_context(request, membership)
    rows = list(portal_selectors.notices_for(org=membership.organization))
    current = set()
    for ch in ("web", "chat", "email"):
        for lang, _name in settings.LANGUAGES:
            n = portal_selectors.current_notice(
                org=membership.organization, channel=ch, language=lang
            )
            if n is not None:
                current.add(n.pk)
    ctx.update(notices=rows, current_ids=current)
    return render(request, "configuration/channels/notices.html", ctx)


def _notice_form_page(
    request: DeskRequest, membership: Membership, notice: Any, initial: dict[str, Any]
) -> HttpResponse:
    form = NoticeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = privacy.NoticeData(**form.cleaned_data)
            actor = request_actor(request)
            try:
                if notice is None:
                    notice = privacy.create_notice(
                        org=membership.organization, actor=actor, data=data
                    )
                else:
                    notice = privacy.update_notice(notice=notice, actor=actor, data=data)
            except FieldValidationError as exc:
                add_service_errors(form, exc)
            except IllegalTransition as exc:
                form.add_error(None, exc.message)
            else:
                if request.POST.get("publish"):
                    privacy.publish_notice(notice=notice, actor=actor)
                    messages.success(request, _("Privacy notice published."))
                else:
                    messages.success(request, _("Draft saved."))
                return redirect("configuration:notices", membership.organization.slug)
        status = 422
    ctx = settings_context(request, membership)
    ctx.update(form=form, notice=notice)
    return render(request, "configuration/channels/notice_form.html", ctx, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def notice_new(request: DeskRequest, membership: Membership) -> HttpResponse:
    """A new draft; ``?from=<id>`` starts from another version's channel, language and text."""
    require(membership, Action.MANAGE_CHANNELS)
    initial: dict[str, Any] = {}
    source = request.GET.get("from", "")
    if source.isdigit():
        src = portal_selectors.get_notice(org=membership.organization, notice_id=int(source))
        initial = {"channel": src.channel, "language": src.language, "text": src.text}
    return _notice_form_page(request, membership, None, initial)


@org_view
@require_http_methods(["GET", "POST"])
def notice_edit(request: DeskRequest, membership: Membership, notice_id: int) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    notice = portal_selectors.get_notice(org=membership.organization, notice_id=notice_id)
    initial = {
        "channel": notice.channel,
        "language": notice.language,
        "version": notice.version,
        "text": notice.text,
    }
    return _notice_form_page(request, membership, notice, initial)


@org_view
@require_POST
def notice_publish(request: DeskRequest, membership: Membership, notice_id: int) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    notice = portal_selectors.get_notice(org=membership.organization, notice_id=notice_id)
    try:
        privacy.publish_notice(notice=notice, actor=request_actor(request))
    except IllegalTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Privacy notice published."))
    return redirect("configuration:notices", membership.organization.slug)


@org_view
@require_POST
def notice_delete(request: DeskRequest, membership: Membership, notice_id: int) -> HttpResponse:
    require(membership, Action.MANAGE_CHANNELS)
    notice = portal_selectors.get_notice(org=membership.organization, notice_id=notice_id)
    try:
        privacy.delete_notice(notice=notice, actor=request_actor(request))
    except IllegalTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Draft deleted."))
    return redirect("configuration:notices", membership.organization.slug)


# --- mail templates --------------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def mail_templates(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.MANAGE_TEMPLATES)
    rows = template_config.templates_for(org=membership.organization)
    grid = [
        (kind, label, [(code, name, rows.get((kind, code))) for code, name in settings.LANGUAGES])
        for kind, label in TemplateKind.choices
    ]
    ctx = settings_context(request, membership)
    ctx.update(grid=grid)
    return render(request, "configuration/channels/mail_templates.html", ctx)


@org_view
@require_http_methods(["GET", "POST"])
def mail_template_edit(
    request: DeskRequest, membership: Membership, kind: str, language: str
) -> HttpResponse:
    """Edit one wording; "Preview" renders it with a sample case without saving."""
    require(membership, Action.MANAGE_TEMPLATES)
    org = membership.organization
    row = template_config.get_template(org=org, kind=kind, language=language)
    if row is not None:
        initial = {"subject": row.subject, "body": row.body}
    else:
        subject, body = template_config.default_wording(kind=kind, language=language)
        initial = {"subject": subject, "body": body}
    form = MailTemplateForm(request.POST or None, initial=initial)
    status = 200
    preview: tuple[str, str] | None = None
    if request.method == "POST":
        if request.POST.get("delete") and row is not None:
            template_config.delete_template(template=row, actor=request_actor(request))
            messages.success(request, _("Back to the built-in wording."))
            return redirect("configuration:mail_templates", org.slug)
        if form.is_valid():
            data = template_config.TemplateData(kind=kind, language=language, **form.cleaned_data)
            try:
                if request.POST.get("preview"):
                    preview = template_config.preview(org=org, data=data)
                else:
                    template_config.save_template(org=org, actor=request_actor(request), data=data)
                    messages.success(request, _("Mail template saved."))
                    return redirect("configuration:mail_templates", org.slug)
            except FieldValidationError as exc:
                add_service_errors(form, exc)
                status = 422
        else:
            status = 422
    else:
        preview = template_config.preview(
            org=org,
            data=template_config.TemplateData(
                kind=kind, language=language, subject=initial["subject"], body=initial["body"]
            ),
        )
    ctx = settings_context(request, membership)
    ctx.update(
        form=form,
        template=row,
        kind_label=TemplateKind(kind).label,
        language_label=dict(settings.LANGUAGES)[language],
        preview=preview,
    )
    return render(request, "configuration/channels/mail_template_form.html", ctx, status=status)
