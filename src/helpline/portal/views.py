"""Public, tenant-branded pages: the web form (also prefilled from an asset's QR code), the
page that shows the protocol number, and the case status page. Thin: the web-form adapter
and the portal selectors do the work; another tenant's token or code is a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpline.cases.choices import Status
from helpline.cases.forms import uploaded_files
from helpline.channels.webform.adapter import (
    RateLimited,
    WebForm,
    add_customer_message,
    limits_for,
    submit_web_form,
)
from helpline.customers.selectors import asset_by_code
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.lib.forms import add_service_errors
from helpline.lib.security import client_ip, record_refusal
from helpline.lib.throttle import Limit
from helpline.notify.services import status_token
from helpline.portal import selectors
from helpline.portal.forms import CustomerMessageForm, StatusLookupForm, WebFormForm
from helpline.tenancy.models import Organization


def portal_view(fn: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the tenant from the URL (unknown: 404) and speak the visitor's language
    (browser's Accept-Language through LocaleMiddleware, else the tenant's)."""

    @wraps(fn)
    def wrapper(request: HttpRequest, org_slug: str, **kwargs: Any) -> HttpResponse:
        try:
            org = selectors.organization_by_slug(slug=org_slug)
            lang = _supported_language(request.GET.get("lang", ""))
            if "HTTP_ACCEPT_LANGUAGE" not in request.META and not lang:
                translation.activate(org.language)
            if lang:
                translation.activate(lang)
            return fn(request, org, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper


def _supported_language(code: str) -> str:
    """``?lang=`` if it names one of our languages, else "" (anything else, CR/LF included,
    is ignored: it would otherwise reach the Content-Language header)."""
    try:
        return translation.get_supported_language_variant(code) if code else ""
    except LookupError:
        return ""


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _lookup_limit() -> Limit:
    """Failed status look-ups per address and hour (protocol numbers are sequential)."""
    return Limit("status_lookup", settings.HELPLINE_STATUS_LOOKUP_LIMIT_PER_HOUR)


def _chat_limit() -> Limit:
    """Chats started per address and hour (each opens a case)."""
    return Limit("chat_start", settings.HELPLINE_CHAT_START_LIMIT_PER_HOUR)


def _throttled(
    request: HttpRequest, org: Organization, limit: Limit, what: str, *keys: str
) -> bool:
    """True when this address (or one of ``keys``) used up ``limit``; the first refusal of
    the hour is audited."""
    ip = _client_ip(request) or "unknown"
    used_up = [key for key in (ip, *keys) if limit.exceeded(key)]
    if not used_up:
        return False
    if limit.hit(used_up[0]) == limit.limit + 1:
        record_refusal(org_id=org.pk, instance=org, what=what, ip=ip)
    return True


def _lookup_keys(request: HttpRequest, org: Organization) -> list[str]:
    """Failed look-ups count per address and per e-mail address asked about (a botnet
    guessing one person's protocol numbers is stopped too; they keep the mailed link)."""
    email = request.POST.get("email", "").strip().lower()
    return [f"{org.pk}:{email}"] if email else []


def _context(org: Organization, **extra: Any) -> dict[str, Any]:
    return {"org": org, "portal": True, **extra}


@portal_view
@require_http_methods(["GET", "POST"])
def web_form(request: HttpRequest, org: Organization, asset_code: str = "") -> HttpResponse:
    topics, subjects = selectors.catalogue(org=org)
    notice = selectors.current_notice(org=org)
    asset = asset_by_code(org=org, code=asset_code) if asset_code else None
    if asset_code and asset is None:
        raise Http404
    initial: dict[str, Any] = {}
    if asset is not None:
        initial["location"] = asset.location or asset.description
    form = WebFormForm(request.POST or None, initial=initial, topics=topics, subjects=subjects)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = submit_web_form(
                org=org,
                client_ip=_client_ip(request),
                form=WebForm(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    description=data["description"],
                    topic_id=data["topic"],
                    subject_id=data["subject"],
                    location=data["location"],
                    asset_code=asset.code if asset else "",
                    title=(asset.kind + " " + asset.code) if asset else "",
                    language=translation.get_language() or "",
                    privacy_accepted=data["privacy"],
                    notice_version=notice.version if notice else "",
                    honeypot=data["website"],
                    attachments=uploaded_files(request.FILES.getlist("attachments")),
                ),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except FieldValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            return redirect("portal:status", org_slug=org.slug, token=status_token(case))
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "portal/form.html",
        _context(
            org, form=form, notice=notice, asset=asset, subjects=subjects, limits=limits_for(org)
        ),
        status=status,
    )


@portal_view
@require_http_methods(["GET", "POST"])
def status_lookup(request: HttpRequest, org: Organization) -> HttpResponse:
    form = StatusLookupForm(request.POST or None)
    status = 200
    keys = _lookup_keys(request, org)
    limit = _lookup_limit()
    if request.method == "POST" and _throttled(request, org, limit, "status_lookup", *keys):
        form.errors.clear()
        form.add_error(
            None,
            _(
                "Too many attempts; please try again later, or open the link in the e-mail "
                "we sent you."
            ),
        )
        status = 429
    elif request.method == "POST":
        case = None
        if form.is_valid():
            case = selectors.case_for_status(
                org=org, protocol=form.cleaned_data["protocol"], email=form.cleaned_data["email"]
            )
        if case is not None:
            return redirect("portal:status", org_slug=org.slug, token=status_token(case))
        for key in (_client_ip(request) or "unknown", *keys):  # only failures count
            limit.hit(key)
        form.add_error(None, _("No request matches this protocol number and e-mail address."))
        status = 404
    return render(request, "portal/status_lookup.html", _context(org, form=form), status=status)


@portal_view
@require_http_methods(["GET", "POST"])
def case_status(request: HttpRequest, org: Organization, token: str) -> HttpResponse:
    case = selectors.case_for_token(org=org, token=token)
    form = CustomerMessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                add_customer_message(case=case, body=form.cleaned_data["body"])
            except FieldValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            else:
                return redirect(reverse("portal:status", args=[org.slug, token]) + "#messages")
        else:
            status = 422
    return render(
        request,
        "portal/status.html",
        _context(
            org,
            case=case,
            status_label=Status(case.status).label,
            messages_=list(selectors.public_messages(case=case)),
            form=form,
            token=token,
        ),
        status=status,
    )


# --- chat --------------------------------------------------------------------------------


@portal_view
@require_http_methods(["GET", "POST"])
def chat_start(request: HttpRequest, org: Organization) -> HttpResponse:
    """The chat widget's first step; out of hours it offers the web form instead."""
    from helpline.channels.chat import service as chat
    from helpline.lib.errors import IllegalTransition

    chat_settings = chat.settings_for(org)
    open_now = chat.is_open(org, chat_settings)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST" and open_now and _throttled(request, org, _chat_limit(), "chat"):
        errors = {"form": [_("Too many chats from your connection; please try again later.")]}
        status = 429
    elif request.method == "POST" and open_now:
        try:
            session = chat.start_chat(
                org=org,
                name=request.POST.get("name", ""),
                email=request.POST.get("email", ""),
                text=request.POST.get("text", ""),
            )
        except FieldValidationError as exc:
            errors, status = exc.errors, 422
        except IllegalTransition:
            open_now = False
        else:
            _chat_limit().hit(_client_ip(request) or "unknown")
            return redirect("portal:chat_room", org_slug=org.slug, token=session.token)
    return render(
        request,
        "portal/chat_start.html",
        _context(
            org,
            open_now=open_now,
            errors=errors,
            posted=request.POST,
            greeting=chat.greeting_for(chat_settings, translation.get_language() or ""),
            notice=selectors.current_notice(org=org, channel="chat"),
        ),
        status=status,
    )


def _chat_session(org: Organization, token: str) -> Any:
    from helpline.channels.models import ChatSession

    session = (
        ChatSession.objects.filter(organization=org, token=token).select_related("case").first()
    )
    if session is None:
        raise NotFound("")
    return session


@portal_view
@require_http_methods(["GET", "POST"])
def chat_room(request: HttpRequest, org: Organization, token: str) -> HttpResponse:
    """The conversation; a POST is the visitor's line (also the no-websocket fallback)."""
    from helpline.channels.chat import service as chat
    from helpline.lib.errors import IllegalTransition

    session = _chat_session(org, token)
    error = ""
    if request.method == "POST":
        try:
            chat.visitor_says(session=session, text=request.POST.get("text", ""))
        except (FieldValidationError, IllegalTransition) as exc:
            error = exc.message
        else:
            if request.headers.get("X-Requested-With") == "fetch":
                return HttpResponse(status=204)
            return redirect("portal:chat_room", org_slug=org.slug, token=token)
        if request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(error, status=422)
    return render(
        request,
        "portal/chat_room.html",
        _context(
            org,
            session=session,
            case=session.case,
            lines=list(selectors.public_messages(case=session.case)),
            error=error,
            ws_path=f"/ws/chat/{token}/",
        ),
    )


@portal_view
@require_http_methods(["GET"])
def privacy_notice(request: HttpRequest, org: Organization) -> HttpResponse:
    """The current privacy notice of a channel (``?channel=email``, the link of the
    acknowledgement) in the visitor's language."""
    channel = request.GET.get("channel", "web")
    notice = selectors.current_notice(org=org, channel=channel)
    return render(request, "portal/privacy.html", _context(org, notice=notice))
