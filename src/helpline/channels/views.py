"""Desk screens of the written channels: the inbound log (open a flagged message, send it
through again), retrying a failed outgoing mail, the counter quick form and the printable
QR codes of assets. Thin: selectors and services do the work; ``org_view`` scopes them."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpline.cases.choices import CaseType
from helpline.cases.selectors import subjects_for, topics_for
from helpline.channels import selectors
from helpline.channels.counter.adapter import CounterVisit, register_visit
from helpline.channels.email.adapter import process_inbound
from helpline.channels.models import InboundState
from helpline.channels.services import requeue_inbound
from helpline.customers.selectors import assets_for
from helpline.lib.errors import FieldValidationError, Forbidden, NotFound
from helpline.notify.models import OutboundEmail
from helpline.notify.outbox import retry as retry_outbound
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, may_end_chat, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor

#: Rows shown on the inbound log.
INBOUND_PAGE = 100


@org_view
@require_GET
def inbound_list(request: DeskRequest, membership: Membership) -> HttpResponse:
    require(membership, Action.READ_RAW_MESSAGES)
    org = membership.organization
    state = request.GET.get("state", "")
    if state not in InboundState.values:
        state = ""
    rows = list(selectors.inbound_items(org=org, state=state)[:INBOUND_PAGE])
    return render(
        request,
        "channels/inbound_list.html",
        {
            **base_context(request, membership),
            "rows": rows,
            "state": state,
            "states": InboundState.choices,
            "failed": selectors.failed_count(org=org),
        },
    )


@org_view
@require_GET
def inbound_raw(request: DeskRequest, membership: Membership, inbound_id: int) -> HttpResponse:
    """The original bytes, as received (an .eml for mail, JSON for forms); never to the
    client referent (``Action.READ_RAW_MESSAGES``)."""
    require(membership, Action.READ_RAW_MESSAGES)
    row = selectors.get_inbound(org=membership.organization, inbound_id=inbound_id, with_raw=True)
    is_mail = row.source in ("imap", "smtp", "test")
    response = HttpResponse(
        bytes(row.raw), content_type="message/rfc822" if is_mail else "application/json"
    )
    ext = "eml" if is_mail else "json"
    response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.{ext}"'
    return response


@org_view
@require_POST
def inbound_retry(request: DeskRequest, membership: Membership, inbound_id: int) -> HttpResponse:
    row = selectors.get_inbound(org=membership.organization, inbound_id=inbound_id)
    if requeue_inbound(inbound=row, actor=request_actor(request)) and row.mailbox_id is not None:
        process_inbound(row.pk)
    return redirect("helpline_channels:inbound_list", org_slug=membership.organization.slug)


@org_view
@require_POST
def outbound_retry(request: DeskRequest, membership: Membership, outbound_id: int) -> HttpResponse:
    org = membership.organization
    out = OutboundEmail.objects.filter(organization=org, pk=outbound_id).first()
    if out is None:
        raise NotFound(_("No such e-mail."))
    retry_outbound(outbound=out)
    return redirect("desk:case_detail", org_slug=org.slug, case_id=out.case_id)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@org_view
@require_http_methods(["GET", "POST"])
def counter(request: DeskRequest, membership: Membership) -> HttpResponse:
    """The counter quick form: find or name the visitor, say what they came for, done."""
    org = membership.organization
    errors: dict[str, list[str]] = {}
    posted: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        posted = request.POST.dict()
        case_type = posted.get("case_type") or CaseType.INFORMATION
        try:
            case = register_visit(
                org=org,
                actor=request_actor(request),
                visit=CounterVisit(
                    customer_id=_int(posted.get("requester_id")),
                    name=posted.get("name", ""),
                    phone=posted.get("phone", ""),
                    email=posted.get("email", ""),
                    description=posted.get("description", ""),
                    topic_id=_int(posted.get("topic")),
                    subject_id=_int(posted.get("subject")),
                    case_type=case_type,
                    dealt_with=posted.get("dealt_with") == "on",
                ),
            )
        except FieldValidationError as exc:
            errors, status = exc.errors, 422
        else:
            return redirect("desk:case_detail", org_slug=org.slug, case_id=case.pk)
    return render(
        request,
        "channels/counter.html",
        {
            **base_context(request, membership),
            "topics": topics_for(org=org),
            "subjects": subjects_for(org=org).select_related("topic"),
            "case_types": CaseType.choices,
            "errors": errors,
            "posted": posted,
        },
        status=status,
    )


def qr_svg(url: str) -> str:
    """An inline SVG QR code of ``url`` (printable at any size)."""
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


@org_view
@require_GET
def asset_qr_sheet(request: DeskRequest, membership: Membership) -> HttpResponse:
    """A printable sheet: each asset's QR code opens its report page on the portal."""
    from django.conf import settings
    from django.urls import reverse

    org = membership.organization
    base = settings.HELPLINE_PUBLIC_URL.rstrip("/")
    assets = list(assets_for(org=org).order_by("code")[:500])
    labels = []
    for a in assets:
        url = base + reverse("portal:asset_report", args=[org.slug, a.code])
        labels.append({"asset": a, "url": url, "svg": qr_svg(url)})
    return render(
        request, "channels/asset_qr.html", {**base_context(request, membership), "labels": labels}
    )


# --- chat (operator side) ----------------------------------------------------------------


def _chat(membership: Membership, session_id: int) -> Any:
    from helpline.channels.models import ChatSession

    session = (
        ChatSession.objects.filter(organization=membership.organization, pk=session_id)
        .select_related("case", "operator")
        .first()
    )
    if session is None:
        raise NotFound(_("No such chat."))
    return session


@org_view
@require_GET
def chat_list(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Waiting and active chats of the tenant, oldest waiting first."""
    from helpline.channels.models import ChatSession, ChatState

    sessions = list(
        ChatSession.objects.filter(
            organization=membership.organization,
            state__in=[ChatState.WAITING, ChatState.ACTIVE],
        )
        .select_related("case", "operator")
        .order_by("state", "started_at")[:200]
    )
    return render(
        request,
        "channels/chat_list.html",
        {
            **base_context(request, membership),
            "waiting": [s for s in sessions if s.state == ChatState.WAITING],
            "active": [s for s in sessions if s.state == ChatState.ACTIVE],
        },
    )


@org_view
@require_http_methods(["GET", "POST"])
def chat_detail(request: DeskRequest, membership: Membership, session_id: int) -> HttpResponse:
    """One conversation; POST ``action`` = pick | say | end."""
    from helpline.channels.chat import service as chat
    from helpline.lib.errors import IllegalTransition
    from helpline.portal.selectors import public_messages

    session = _chat(membership, session_id)
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            require(membership, Action.HANDLE_CHATS)
            if action == "pick":
                chat.pick_chat(session=session, actor=request_actor(request))
            elif action == "end":
                # An operator ends only the chat they handle; supervisors end any.
                if not may_end_chat(membership, handled_by=session.operator_id):
                    raise Forbidden(_("You may end only the chats you are handling."))
                chat.end_chat(session=session, actor=request_actor(request))
            else:
                chat.operator_says(
                    session=session, actor=request_actor(request), text=request.POST.get("text", "")
                )
        except (FieldValidationError, IllegalTransition) as exc:
            error, status = exc.message, 409 if isinstance(exc, IllegalTransition) else 422
        else:
            if request.headers.get("X-Requested-With") == "fetch":
                return HttpResponse(status=204)
            return redirect(
                "helpline_channels:chat_detail",
                org_slug=membership.organization.slug,
                session_id=session.pk,
            )
        if request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(error, status=status)
        session = _chat(membership, session_id)
    return render(
        request,
        "channels/chat_detail.html",
        {
            **base_context(request, membership),
            "session": session,
            "case": session.case,
            "lines": list(public_messages(case=session.case)),
            "error": error,
            "ws_path": f"/ws/desk/{membership.organization.slug}/chats/{session.pk}/",
            "may_end": may_end_chat(membership, handled_by=session.operator_id),
        },
        status=status,
    )
