"""The agent desk: thin views over the cases, customers and tenancy selectors and services.

Every view below ``/desk/<org_slug>/`` goes through ``org_view``, which resolves the user's
membership (another tenant's slug is a 404, exactly like a slug that does not exist),
refuses writes to read-only roles (403) and renders in the organisation's time zone.
Actions on a case answer htmx requests with the re-rendered case body (the error shown in
the form, 409 for an illegal transition, 422 for invalid input) and plain browsers with a
redirect after a successful POST.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from helpline.cases import selectors as case_selectors
from helpline.cases import services as case_services
from helpline.cases.choices import (
    TRANSITIONS,
    CaseType,
    Channel,
    Level,
    MessageDirection,
    Severity,
    Status,
    Urgency,
)
from helpline.cases.models import Case, Subject, Topic
from helpline.customers import selectors as customer_selectors
from helpline.customers import services as customer_services
from helpline.desk.forms import (
    CaseFilterForm,
    NewCaseForm,
    add_service_errors,
    uploaded_files,
)
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition, NotFound
from helpline.routing import selectors as routing_selectors
from helpline.tenancy import selectors as tenancy_selectors
from helpline.tenancy import services as tenancy_services
from helpline.tenancy.models import Membership, Organization
from helpline.tenancy.permissions import Action, may, require
from helpline.tenancy.web import DeskRequest, base_context, org_view, request_actor

#: Rows per page of the case list.
PAGE_SIZE = 50


# --- entry points ------------------------------------------------------------------------


def index(request: DeskRequest) -> HttpResponse:
    """``/``: the desk for a signed-in user, else the login page."""
    if request.user.is_authenticated:
        return redirect("desk:home")
    return redirect("login")


@login_required
def home(request: DeskRequest) -> HttpResponse:
    """``/desk/``: straight to the only organisation, else a choice."""
    memberships = list(tenancy_selectors.memberships_for_user(user=request.user))
    if len(memberships) == 1:
        return redirect("desk:case_list", org_slug=memberships[0].organization.slug)
    return render(request, "desk/home.html", {"memberships": memberships})


@org_view
def org_home(request: DeskRequest, membership: Membership) -> HttpResponse:
    return redirect("desk:case_list", org_slug=membership.organization.slug)


@require_POST
def language(request: DeskRequest) -> HttpResponse:
    """The language switcher: remembered in the user's profile (which outranks the browser)
    and in Django's language cookie, then back to the page the user was on."""
    code = request.POST.get("language", "")
    if request.user.is_authenticated:
        # An unknown code is ignored here, as set_language ignores it.
        with contextlib.suppress(FieldValidationError):
            tenancy_services.set_user_language(user=request.user, language=code)
    return set_language(request)


# --- case list ---------------------------------------------------------------------------


def _label_rows(cases: list[Case], *, org_slug: str) -> None:
    """Give each listed case its link and choice labels, worked out once per page: Django's
    ``get_FOO_display`` rebuilds the choices on every call and ``{% url %}`` resolves the
    pattern again for each row (together ~15 ms of a 50-row page, docs/benchmarks.md)."""
    labels = {
        "status": dict(Status.choices),
        "urgency": dict(Urgency.choices),
        "channel": dict(Channel.choices),
    }
    head, _sep, tail = reverse("desk:case_detail", args=[org_slug, 0]).rpartition("/0/")
    for case in cases:
        case.row_url = f"{head}/{case.pk}/{tail}"  # type: ignore[attr-defined]
        for name, names in labels.items():
            value = getattr(case, name)
            setattr(case, f"{name}_label", names.get(value, value))


@org_view
@require_GET
def case_list(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Filtered, sorted, keyset-paginated cases; htmx requests get the table alone."""
    org = membership.organization
    operators = list(tenancy_selectors.operators_for(org=org))
    form = CaseFilterForm(
        request.GET or None, topics=case_selectors.topics_for(org=org), operators=operators
    )
    cursor = request.GET.get("cursor") or None
    try:
        page = case_selectors.list_cases(
            org=org,
            filters=form.to_filters(user_id=request.user.pk),
            sort=form.sort_key,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    except FieldValidationError:
        # A stale or hand-edited cursor: start again from the first page.
        messages.warning(request, _("That page link has expired; showing the first page."))
        cursor = None
        page = case_selectors.list_cases(
            org=org,
            filters=form.to_filters(user_id=request.user.pk),
            sort=form.sort_key,
            limit=PAGE_SIZE,
        )
    _label_rows(page.items, org_slug=org.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    next_url = None
    if page.next_cursor:
        query["cursor"] = page.next_cursor
        next_url = f"{request.path}?{query.urlencode()}"
        query.pop("cursor")
    first_url = f"{request.path}?{query.urlencode()}" if cursor else None
    context = {
        **base_context(request, membership),
        "form": form,
        "page": page,
        "next_url": next_url,
        "first_url": first_url,
    }
    if request.htmx and request.htmx.target == "case-table":
        return render(request, "desk/_case_table.html", context)
    return render(request, "desk/case_list.html", context)


# --- new case ----------------------------------------------------------------------------


@org_view
def case_new(request: DeskRequest, membership: Membership) -> HttpResponse:
    """A counter visit or a phone note. On success: the case page with its protocol number."""
    require(membership, Action.WRITE_CASES)
    org = membership.organization
    topics = case_selectors.topics_for(org=org)
    status = 200
    if request.method == "POST":
        form = NewCaseForm(request.POST, request.FILES, topics=topics)
        form.is_valid()
        case = _open_case_from_form(request, membership, form)
        if case is not None:
            messages.success(
                request, _("Case %(protocol)s opened") % {"protocol": case.protocol_number}
            )
            return redirect("desk:case_detail", org_slug=org.slug, case_id=case.pk)
        status = 422
    else:
        initial = {}
        if request.GET.get("channel") in {"counter", "phone"}:
            initial["channel"] = request.GET["channel"]
        form = NewCaseForm(initial=initial, topics=topics)
    requester = None
    requester_id = form["requester_id"].value()
    if requester_id:
        try:
            requester = customer_selectors.get_customer(org=org, customer_id=int(requester_id))
        except (NotFound, ValueError):
            requester = None
    context = {
        **base_context(request, membership),
        "form": form,
        "requester": requester,
        "requester_choices": [requester] if requester else [],
    }
    return render(request, "desk/case_new.html", context, status=status)


def _open_case_from_form(
    request: DeskRequest, membership: Membership, form: NewCaseForm
) -> Case | None:
    """Open the case (registering an inline requester first, in the same transaction), or
    put every error on the form and return None.

    When the form itself is already invalid the inline requester is still checked, without
    writing anything, so the operator sees all the mistakes at once."""
    org = membership.organization
    actor = request_actor(request)
    new = form.new_requester() if "new_name" not in form.errors else None
    try:
        if form.errors:
            if new is not None:
                customer_services.validate_customer(org=org, **new)
            return None
        fields = _case_fields(org=org, form=form)
        if new is not None:
            return case_services.open_case_with_new_requester(
                org=org, actor=actor, requester=case_services.NewRequester(**new), **fields
            )
        return case_services.open_case(
            org=org, actor=actor, requester_id=form.cleaned_data.get("requester_id"), **fields
        )
    except FieldValidationError as exc:
        add_service_errors(form, exc, NewCaseForm.SERVICE_FIELDS)
        return None


def _case_fields(*, org: Organization, form: NewCaseForm) -> dict[str, Any]:
    """The new-case form's values as ``open_case`` arguments (without the requester)."""
    data = form.cleaned_data
    topic_id, subject_id = form.topic_and_subject()
    related_id = None
    if data.get("related_protocol"):
        try:
            related_id = case_selectors.get_case_by_protocol(
                org=org, protocol_number=data["related_protocol"]
            ).pk
        except NotFound as exc:
            raise FieldValidationError(related_case=_("No case has this protocol number.")) from exc
    return {
        "channel": data["channel"],
        "case_type": data["case_type"],
        "title": data["title"],
        "description": data.get("description", ""),
        "topic_id": topic_id,
        "subject_id": subject_id,
        "urgency": data["urgency"],
        "severity": data["severity"],
        "related_case_id": related_id,
        "attachments": uploaded_files(data.get("attachments") or []),
    }


@org_view
@require_GET
def customer_search(request: DeskRequest, membership: Membership) -> HttpResponse:
    """Quick requester lookup for the new-case form (name, tax id, phone, e-mail)."""
    text = request.GET.get("requester_q", "")
    customers = customer_selectors.search_customers(
        org=membership.organization, text=text, limit=10
    )
    return render(
        request,
        "desk/_customer_results.html",
        {**base_context(request, membership), "customers": customers, "query": text},
    )


# --- case detail and actions -------------------------------------------------------------


@org_view
@require_GET
def case_detail(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    case = case_selectors.get_case(org=membership.organization, case_id=case_id)
    return _render_case(request, membership, case)


def _render_case(
    request: DeskRequest,
    membership: Membership,
    case: Case,
    *,
    errors: dict[str, dict[str, list[str]]] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page, or only its body for htmx (which swaps ``#case-body``)."""
    org = membership.organization
    operators = list(tenancy_selectors.operators_for(org=org))
    topics = list(case_selectors.topics_for(org=org, active_only=False))
    lookups: dict[str, dict[Any, str]] = {
        "assignee": {m.user_id: m.user.get_full_name() or m.user.get_username() for m in operators},
        "topic": {t.pk: t.name for t in topics},
        "subject": {s.pk: s.name for t in topics for s in t.subjects.all()},
        "requester": {case.requester_id: str(case.requester)} if case.requester else {},
    }
    if case.assignee and case.assignee_id not in lookups["assignee"]:
        lookups["assignee"][case.assignee_id] = case.assignee.get_username()
    timeline = case_selectors.case_timeline(
        case=case, with_notes=may(membership, Action.READ_INTERNAL_NOTES)
    )
    lookups["queue"] = _queue_names(org, timeline)
    context = {
        **base_context(request, membership),
        "case": case,
        "timeline": timeline,
        "tasks": list(case.tasks.all()),  # the case is already scoped to the organisation
        "operators": operators,
        "lookups": lookups,
        "next_statuses": [Status(s) for s in Status.values if s in TRANSITIONS[case.status]],
        "urgencies": Urgency.choices,
        "severities": Severity.choices,
        "levels": Level.choices,
        "errors": errors or {},
        "posted": posted or {},
        "status_link_days": settings.HELPLINE_STATUS_LINK_DAYS,
        "classification": _classification_choices(
            case, topics, (posted or {}) if (errors or {}).get("classification") else None
        ),
    }
    template = "desk/_case_body.html" if request.htmx else "desk/case_detail.html"
    return render(request, template, context, status=status)


def _queue_names(org: Organization, timeline: list[Any]) -> dict[Any, str]:
    """Names of the queues the timeline's audit entries mention (a re-routed case's queue
    change), read in one query and only when there are any."""
    ids = {
        value
        for item in timeline
        if item.kind == "audit"
        for value in (item.obj.changes or {}).get("queue") or []
        if isinstance(value, int)
    }
    if not ids:
        return {}
    return {q.pk: q.name for q in routing_selectors.queues_for(org=org).filter(pk__in=ids)}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _subjects_offered(topic: Topic | None, current_id: int | None) -> list[Subject]:
    """The subjects of one topic a case may be filed under: the active ones, and the case's
    own even if it has since been retired."""
    if topic is None:
        return []
    return [s for s in topic.subjects.all() if s.is_active or s.pk == current_id]


def _classification_choices(
    case: Case, topics: list[Topic], posted: dict[str, Any] | None
) -> dict[str, Any]:
    """What the case page's Classification form offers and has selected: the organisation's
    active topics (and the case's own), the subjects of the selected topic only, and the
    values just posted when the form came back with errors."""
    if posted is not None:
        case_type = posted.get("case_type", "")
        topic_id = _int_or_none(posted.get("topic"))
        subject_id = _int_or_none(posted.get("subject"))
    else:
        case_type, topic_id, subject_id = case.case_type, case.topic_id, case.subject_id
    offered = [t for t in topics if t.is_active or t.pk == case.topic_id]
    selected = next((t for t in offered if t.pk == topic_id), None)
    return {
        "types": CaseType.choices,
        "topics": offered,
        "subjects": _subjects_offered(selected, case.subject_id),
        "case_type": case_type,
        "topic_id": topic_id,
        "subject_id": subject_id,
    }


def _case_action(
    request: DeskRequest,
    membership: Membership,
    case_id: int,
    form_name: str,
    action: Callable[[Case, Actor], Any],
    success: str,
) -> HttpResponse:
    """Run one service call on the case and answer with the case (see module docstring)."""
    org = membership.organization
    case = case_selectors.get_case(org=org, case_id=case_id)
    try:
        action(case, request_actor(request))
    except FieldValidationError as exc:
        return _render_case(
            request,
            membership,
            case,
            errors={form_name: exc.errors},
            posted=request.POST.dict(),
            status=422,
        )
    except IllegalTransition as exc:
        return _render_case(
            request,
            membership,
            case,
            errors={form_name: {"__all__": [exc.message]}},
            posted=request.POST.dict(),
            status=409,
        )
    messages.success(request, success)
    if request.htmx:
        return _render_case(request, membership, case_selectors.get_case(org=org, case_id=case_id))
    return redirect("desk:case_detail", org_slug=org.slug, case_id=case_id)


def _optional_int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise FieldValidationError(**{field: _("Not a valid choice.")}) from exc


@org_view
@require_POST
def case_message(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    """A reply to the customer or an internal note, with attachments."""
    direction = request.POST.get("direction", MessageDirection.OUTBOUND)

    def act(case: Case, actor: Actor) -> Any:
        return case_services.add_message(
            case=case,
            actor=actor,
            direction=direction,
            body=request.POST.get("body", ""),
            attachments=uploaded_files(request.FILES.getlist("attachments")),
        )

    done = _("Internal note added.") if direction == MessageDirection.NOTE else _("Reply sent.")
    return _case_action(request, membership, case_id, "message", act, done)


@org_view
@require_POST
def case_status(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    def act(case: Case, actor: Actor) -> Any:
        return case_services.change_status(
            case=case, actor=actor, status=request.POST.get("status", "")
        )

    return _case_action(request, membership, case_id, "status", act, _("Status changed."))


@org_view
@require_POST
def case_urgency(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    def act(case: Case, actor: Actor) -> Any:
        return case_services.change_urgency(
            case=case,
            actor=actor,
            urgency=request.POST.get("urgency", ""),
            severity=request.POST.get("severity") or None,
        )

    return _case_action(request, membership, case_id, "urgency", act, _("Urgency changed."))


@org_view
def case_classification(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    """POST: change the case's type, topic and subject (audited; the routing rules place the
    case again and its SLA targets follow). GET ``?topic=<id>``: the subject list of that
    topic of the organisation, which htmx swaps into the form when the topic changes."""
    require(membership, Action.WRITE_CASES)
    org = membership.organization
    if request.method == "GET":
        case = case_selectors.get_case(org=org, case_id=case_id)
        topic_id = _int_or_none(request.GET.get("topic"))
        topic = None
        if topic_id is not None:
            topic = (
                case_selectors.topics_for(org=org, active_only=False).filter(pk=topic_id).first()
            )
        context = {
            **base_context(request, membership),
            "classification": {
                "subjects": _subjects_offered(topic, case.subject_id),
                "subject_id": case.subject_id,
            },
        }
        return render(request, "desk/_classification_subjects.html", context)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])

    def act(case: Case, actor: Actor) -> Any:
        errors: dict[str, list[str]] = {}
        ids: dict[str, int | None] = {}
        for field in ("topic", "subject"):
            try:
                ids[field] = _optional_int(request.POST.get(field), field)
            except FieldValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise FieldValidationError(errors)
        return case_services.reclassify_case(
            case=case,
            actor=actor,
            case_type=request.POST.get("case_type", ""),
            topic_id=ids["topic"],
            subject_id=ids["subject"],
        )

    return _case_action(
        request, membership, case_id, "classification", act, _("Classification changed.")
    )


@org_view
@require_POST
def case_assign(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    def act(case: Case, actor: Actor) -> Any:
        if request.POST.get("assign_to_me"):
            assignee_id = actor.user_id
        else:
            assignee_id = _optional_int(request.POST.get("assignee"), "assignee")
        return case_services.assign_case(
            case=case,
            actor=actor,
            assignee_id=assignee_id,
            level=request.POST.get("level") or None,
        )

    return _case_action(request, membership, case_id, "assign", act, _("Assignment changed."))


@org_view
@require_POST
def case_task_add(request: DeskRequest, membership: Membership, case_id: int) -> HttpResponse:
    def act(case: Case, actor: Actor) -> Any:
        return case_services.add_task(
            case=case,
            actor=actor,
            title=request.POST.get("title", ""),
            done=request.POST.get("done") == "on",
        )

    return _case_action(request, membership, case_id, "task", act, _("Task added."))


@org_view
@require_POST
def case_task_done(
    request: DeskRequest, membership: Membership, case_id: int, task_id: int
) -> HttpResponse:
    def act(case: Case, actor: Actor) -> Any:
        task = case.tasks.filter(pk=task_id).first()  # scoped by the org-scoped case
        if task is None:
            raise NotFound(_("No such task."))
        return case_services.complete_task(task=task, actor=actor)

    return _case_action(request, membership, case_id, "task", act, _("Task done."))


@org_view
@require_POST
def case_revoke_status_links(
    request: DeskRequest, membership: Membership, case_id: int
) -> HttpResponse:
    """Invalidate the customer's status links of the case (audited); new mails carry new ones."""

    def act(case: Case, actor: Actor) -> Any:
        return case_services.revoke_status_links(case=case, actor=actor)

    return _case_action(
        request,
        membership,
        case_id,
        "status_links",
        act,
        _("The status links sent so far no longer work."),
    )


@org_view
@require_GET
def attachment_download(
    request: DeskRequest, membership: Membership, case_id: int, attachment_id: int
) -> HttpResponseBase:
    case = case_selectors.get_case(org=membership.organization, case_id=case_id)
    notes = may(membership, Action.READ_INTERNAL_NOTES)
    for message in case_selectors.case_messages(case=case, with_notes=notes):
        for attachment in message.attachments.all():
            if attachment.pk == attachment_id:
                return case_selectors.attachment_response(attachment)
    raise NotFound(_("No such attachment."))
