"""Every cell of the permission matrix (each role x each action) holds through the real
endpoints: each action is mapped to the desk screens and API operations that need it, and
each role's request is answered with success (or the content shown) exactly when
``MATRIX`` allows it, else 403 (or the content left out, or a 404 for a hidden object).

Screens registered in the settings area (``configuration.sections``) are probed with the
action they declare, so a new settings screen is covered here as soon as it registers.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import SYSTEM, Tenant, api_client
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from helpline.cases import services as case_services
from helpline.cases.models import Case
from helpline.channels.intake import store_raw
from helpline.channels.models import ChatSession, ChatState
from helpline.configuration.sections import SECTIONS
from helpline.customers import services as customer_services
from helpline.desk.tests.helpers import client_for, make_case
from helpline.events.models import EventKind
from helpline.tenancy.models import Role
from helpline.tenancy.permissions import MATRIX, Action
from helpline.tenancy.services import add_member, create_user

#: Actions whose screens other parts of the settings area provide: probed through their
#: registered sections (``SECTIONS``) once those exist; until then nothing here calls them.
AWAITING_SCREENS = {
    Action.MANAGE_CHANNELS,
    Action.MANAGE_CATALOGUE,
    Action.MANAGE_ROUTING,
    Action.MANAGE_TEMPLATES,
}


@dataclass
class World:
    """Tenant A with one member of every role (each with a desk session and an API token),
    a second operator, a case with an internal note carrying an attachment, and a raw
    inbound message."""

    tenant: Tenant
    users: dict[Role, Any]
    other_operator: Any
    case: Case
    note_attachment_id: int
    inbound_id: int
    desk: dict[Role, Client] = field(default_factory=dict)
    api: dict[Role, Client] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.tenant.org.slug

    def chat(self, *, operator: Any | None) -> ChatSession:
        """A chat waiting (no operator) or handled by ``operator``."""
        case = make_case(self.tenant, channel="chat", title="Chat")
        return ChatSession.objects.create(
            organization=self.tenant.org,
            case=case,
            token=secrets.token_urlsafe(16),
            visitor_name="Visitor",
            state=ChatState.ACTIVE if operator else ChatState.WAITING,
            operator=operator,
            started_at=timezone.now(),
        )

    def customer(self) -> Any:
        return customer_services.create_customer(
            org=self.tenant.org, actor=self.tenant.actor, name="Mario Rossi"
        )


SECRET = "SECRET-NOTE-7f3a"


@pytest.fixture
def world(tenant_a: Tenant) -> World:
    back_office = create_user(username="comune-bo", password="pw-Helpline-1")
    add_member(actor=SYSTEM, org=tenant_a.org, user=back_office, role=Role.BACK_OFFICE)
    other = create_user(username="comune-other-operator", password="pw-Helpline-1")
    add_member(actor=SYSTEM, org=tenant_a.org, user=other, role=Role.OPERATOR)
    users = {
        Role.OPERATOR: tenant_a.operator,
        Role.BACK_OFFICE: back_office,
        Role.SUPERVISOR: tenant_a.supervisor,
        Role.ADMIN: tenant_a.admin,
        Role.CLIENT_REFERENT: tenant_a.referent,
    }
    case = make_case(tenant_a)
    case_services.add_message(
        case=case, actor=tenant_a.actor, direction="outbound", body="Public reply"
    )
    note = case_services.add_message(
        case=case,
        actor=tenant_a.actor,
        direction="note",
        body=SECRET,
        attachments=[
            case_services.UploadedFile(
                filename="internal.txt", content_type="text/plain", content=b"internal"
            )
        ],
    )
    inbound, _new = store_raw(
        org=tenant_a.org,
        channel="email",
        source="test",
        raw=b"From: a@example.com\r\nSubject: hi\r\n\r\nraw body",
        sender="a@example.com",
    )
    w = World(
        tenant=tenant_a,
        users=users,
        other_operator=other,
        case=case,
        note_attachment_id=note.attachments.get().pk,
        inbound_id=inbound.pk,
    )
    for role, user in users.items():
        w.desk[role] = client_for(user)
        w.api[role] = api_client(tenant_a, user)
    return w


def outcome(response: Any, ok: set[int], denied: frozenset[int] = frozenset({403})) -> bool:
    """Whether the request was allowed; anything but the two expected answers fails."""
    assert response.status_code in ok | denied, (response.status_code, response.content[:300])
    return response.status_code in ok


def _json(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


Probe = Callable[[World, Role], bool]


def desk_get(name: str, *args: Any, ok: int = 200) -> Probe:
    def probe(w: World, role: Role) -> bool:
        return outcome(w.desk[role].get(reverse(name, args=[w.slug, *args])), {ok})

    return probe


def api_get(url: str) -> Probe:
    return lambda w, role: outcome(w.api[role].get(url), {200})


# --- probes that need the world's objects ---------------------------------------------------


def read_case_desk(w: World, role: Role) -> bool:
    return outcome(w.desk[role].get(reverse("desk:case_detail", args=[w.slug, w.case.pk])), {200})


def read_case_api(w: World, role: Role) -> bool:
    return outcome(w.api[role].get(f"/api/v1/cases/{w.case.pk}"), {200})


def write_case_desk(w: World, role: Role) -> bool:
    url = reverse("desk:case_urgency", args=[w.slug, w.case.pk])
    return outcome(w.desk[role].post(url, {"urgency": "high"}), {302})


def write_case_api(w: World, role: Role) -> bool:
    url = f"/api/v1/cases/{w.case.pk}/urgency"
    return outcome(_json(w.api[role], "post", url, {"urgency": "high"}), {200})


def notes_on_case_page(w: World, role: Role) -> bool:
    page = w.desk[role].get(reverse("desk:case_detail", args=[w.slug, w.case.pk]))
    assert page.status_code == 200 and "Public reply" in page.content.decode()
    return SECRET in page.content.decode()


def notes_in_api_messages(w: World, role: Role) -> bool:
    items = w.api[role].get(f"/api/v1/cases/{w.case.pk}/messages").json()["items"]
    assert any(m["body"] == "Public reply" for m in items)
    return any(m["direction"] == "note" for m in items)


def notes_in_api_events(w: World, role: Role) -> bool:
    items = w.api[role].get(f"/api/v1/cases/{w.case.pk}/events").json()["items"]
    return any(e["kind"] == "note_added" for e in items)


def note_attachment_api(w: World, role: Role) -> bool:
    response = w.api[role].get(f"/api/v1/attachments/{w.note_attachment_id}")
    return outcome(response, {200}, denied=frozenset({404}))


def note_attachment_desk(w: World, role: Role) -> bool:
    url = reverse("desk:attachment", args=[w.slug, w.case.pk, w.note_attachment_id])
    return outcome(w.desk[role].get(url), {200}, denied=frozenset({404}))


def raw_inbound(w: World, role: Role) -> bool:
    url = reverse("helpline_channels:inbound_raw", args=[w.slug, w.inbound_id])
    return outcome(w.desk[role].get(url), {200})


def take_chat(w: World, role: Role) -> bool:
    session = w.chat(operator=None)
    url = reverse("helpline_channels:chat_detail", args=[w.slug, session.pk])
    return outcome(w.desk[role].post(url, {"action": "pick"}), {302})


def end_another_operators_chat(w: World, role: Role) -> bool:
    session = w.chat(operator=w.other_operator)
    url = reverse("helpline_channels:chat_detail", args=[w.slug, session.pk])
    allowed = outcome(w.desk[role].post(url, {"action": "end"}), {302})
    session.refresh_from_db()
    assert (session.state == ChatState.ENDED) is allowed
    return allowed


def direct_agent(w: World, role: Role) -> bool:
    url = reverse("routing:agent_state", args=[w.slug, w.other_operator.pk])
    return outcome(w.desk[role].post(url, {"state": "offline"}), {200})


def export_desk(w: World, role: Role) -> bool:
    url = reverse("customers:export", args=[w.slug, w.customer().pk, "json"])
    return outcome(w.desk[role].get(url), {200})


def export_api(w: World, role: Role) -> bool:
    return outcome(w.api[role].get(f"/api/v1/customers/{w.customer().pk}/export"), {200})


def import_api(w: World, role: Role) -> bool:
    csv = SimpleUploadedFile("c.csv", b"name\nLuigi Verdi\n")
    return outcome(w.api[role].post("/api/v1/customers/import", {"file": csv}), {200})


def erase_desk(w: World, role: Role) -> bool:
    customer = w.customer()
    url = reverse("customers:erase", args=[w.slug, customer.pk])
    allowed = outcome(w.desk[role].post(url, {"confirm": "1", "reason": "asked"}), {302})
    customer.refresh_from_db()
    assert (customer.erased_at is not None) is allowed
    return allowed


def issue_desk(w: World, role: Role) -> bool:
    url = reverse("sla:issue_statement", args=[w.slug]) + "?month=2020-01"
    return outcome(w.desk[role].post(url), {302})


def issue_api(w: World, role: Role) -> bool:
    body = {"month": "2020-01"}
    return outcome(_json(w.api[role], "post", "/api/v1/sla/statement/issue", body), {201, 422})


def erase_api(w: World, role: Role) -> bool:
    url = f"/api/v1/customers/{w.customer().pk}/erase"
    return outcome(_json(w.api[role], "post", url, {"reason": "asked"}), {200})


def change_retention_api(w: World, role: Role) -> bool:
    body = {"erase_inactive_after_days": 3650}
    return outcome(_json(w.api[role], "put", "/api/v1/retention-policy", body), {200})


def manage_sla_api(w: World, role: Role) -> bool:
    body: dict[str, Any] = {
        "name": f"Hours {role}",
        "time_zone": "Europe/Rome",
        "slots": [{"weekday": 0, "start": "08:00", "end": "17:00"}],
        "exceptions": [],
    }
    return outcome(_json(w.api[role], "post", "/api/v1/sla/calendars", body), {201})


#: action -> (name, probe): the desk screens and API operations that need it.
PROBES: dict[Action, list[tuple[str, Probe]]] = {
    Action.READ_CASES: [("desk case page", read_case_desk), ("api case", read_case_api)],
    Action.WRITE_CASES: [("desk urgency", write_case_desk), ("api urgency", write_case_api)],
    Action.READ_INTERNAL_NOTES: [
        ("desk case page", notes_on_case_page),
        ("desk attachment", note_attachment_desk),
        ("api messages", notes_in_api_messages),
        ("api events", notes_in_api_events),
        ("api attachment", note_attachment_api),
    ],
    Action.READ_RAW_MESSAGES: [
        ("desk inbound log", desk_get("helpline_channels:inbound_list")),
        ("desk raw download", raw_inbound),
    ],
    Action.HANDLE_CHATS: [("desk take a chat", take_chat)],
    Action.END_ANY_CHAT: [("desk end another's chat", end_another_operators_chat)],
    Action.VIEW_WALLBOARD: [("desk wallboard", desk_get("routing:wallboard"))],
    Action.DIRECT_AGENTS: [("desk set another agent's state", direct_agent)],
    Action.VIEW_AT_RISK: [
        ("desk at-risk list", desk_get("sla:at_risk")),
        ("api at-risk list", api_get("/api/v1/sla/at-risk")),
    ],
    Action.VIEW_REPORTS: [
        ("desk statement", desk_get("sla:statement")),
        ("desk statement csv", desk_get("sla:statement_csv")),
        ("api statement", api_get("/api/v1/sla/statement")),
    ],
    Action.ISSUE_STATEMENTS: [("desk issue", issue_desk), ("api issue", issue_api)],
    Action.EXPORT_CUSTOMERS: [("desk export", export_desk), ("api export", export_api)],
    Action.IMPORT_CUSTOMERS: [
        ("desk import page", desk_get("customers:import")),
        ("api import", import_api),
    ],
    Action.ERASE_CUSTOMERS: [("desk erase", erase_desk), ("api erase", erase_api)],
    Action.CHANGE_RETENTION: [("api retention policy", change_retention_api)],
    Action.VIEW_SETTINGS: [("desk settings index", desk_get("configuration:index"))],
    Action.MANAGE_SLA: [("api sla calendar", manage_sla_api)],
    Action.MANAGE_USERS: [("api users", api_get("/api/v1/settings/users"))],
}


def section_probes(action: Action) -> list[tuple[str, Probe]]:
    """Every settings screen registered with ``action``."""
    return [
        (f"settings section {s.url_name}", desk_get(s.url_name))
        for s in SECTIONS
        if s.action == action
    ]


def probes_for(action: Action) -> list[tuple[str, Probe]]:
    return PROBES.get(action, []) + section_probes(action)


CELLS = [(action, role) for action in Action for role in Role]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a.value}-{r.value}" for a, r in CELLS])
def test_every_cell_of_the_matrix_holds_through_the_real_endpoints(
    world: World, action: Action, role: Role
) -> None:
    probes = probes_for(action)
    if not probes:
        assert action in AWAITING_SCREENS
        pytest.skip(f"{action}: no screen registered in this build")
    expected = role in MATRIX[action]
    for name, probe in probes:
        assert probe(world, role) is expected, f"{name}: {role} expected allowed={expected}"


def test_every_action_is_probed_or_awaits_its_settings_screen() -> None:
    unprobed = {a for a in Action if not probes_for(a)}
    assert unprobed <= AWAITING_SCREENS


@pytest.mark.django_db
def test_an_operator_ends_the_chat_they_handle_but_not_another_operators(world: World) -> None:
    mine = world.chat(operator=world.users[Role.OPERATOR])
    theirs = world.chat(operator=world.other_operator)
    waiting = world.chat(operator=None)
    desk = world.desk[Role.OPERATOR]
    for session, status in ((theirs, 403), (waiting, 403), (mine, 302)):
        url = reverse("helpline_channels:chat_detail", args=[world.slug, session.pk])
        assert desk.post(url, {"action": "end"}).status_code == status
    page = desk.get(reverse("helpline_channels:chat_detail", args=[world.slug, theirs.pk]))
    assert "End the chat" not in page.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.state, theirs.state) == (ChatState.ENDED, ChatState.ACTIVE)


@pytest.mark.django_db
def test_the_new_checks_answer_404_across_tenants(world: World, tenant_b: Tenant) -> None:
    """Tenant B's administrator (allowed every action) meets tenant A's objects as unknown."""
    admin_b = client_for(tenant_b.admin)
    api_b = api_client(tenant_b, tenant_b.admin)
    slug_b = tenant_b.org.slug
    session = world.chat(operator=world.other_operator)
    customer = world.customer()
    for url in (
        reverse("helpline_channels:chat_detail", args=[slug_b, session.pk]),
        reverse("helpline_channels:inbound_raw", args=[slug_b, world.inbound_id]),
        reverse("customers:export", args=[slug_b, customer.pk, "json"]),
        reverse("desk:attachment", args=[slug_b, world.case.pk, world.note_attachment_id]),
    ):
        assert admin_b.get(url).status_code == 404, url
    url = reverse("helpline_channels:chat_detail", args=[slug_b, session.pk])
    assert admin_b.post(url, {"action": "end"}).status_code == 404
    assert (
        admin_b.post(
            reverse("customers:erase", args=[slug_b, customer.pk]), {"confirm": "1"}
        ).status_code
        == 404
    )
    for url in (
        f"/api/v1/attachments/{world.note_attachment_id}",
        f"/api/v1/cases/{world.case.pk}/messages",
        f"/api/v1/customers/{customer.pk}/export",
    ):
        assert api_b.get(url).status_code == 404, url
    assert _json(api_b, "post", f"/api/v1/customers/{customer.pk}/erase", {}).status_code == 404
    assert api_b.get("/api/v1/sla/at-risk").json()["items"] == []
    session.refresh_from_db()
    customer.refresh_from_db()
    assert session.state == ChatState.ACTIVE and customer.erased_at is None


# --- the findings of issue 13 and issue 12, each on its own ---------------------------------


@pytest.mark.django_db
def test_an_l1_operator_cannot_shorten_the_retention_policy(world: World) -> None:
    r = _json(
        world.api[Role.OPERATOR],
        "put",
        "/api/v1/retention-policy",
        {"erase_inactive_after_days": 30},
    )
    assert r.status_code == 403
    assert world.api[Role.OPERATOR].get("/api/v1/retention-policy").status_code == 404


@pytest.mark.django_db
def test_an_l1_operator_can_neither_erase_nor_import(world: World) -> None:
    customer = world.customer()
    assert not erase_api(world, Role.OPERATOR) and not erase_desk(world, Role.OPERATOR)
    assert not import_api(world, Role.OPERATOR)
    customer.refresh_from_db()
    assert customer.erased_at is None


@pytest.mark.django_db
def test_the_at_risk_list_follows_one_rule_in_the_api_and_the_desk(world: World) -> None:
    for role in Role:
        desk = world.desk[role].get(reverse("sla:at_risk", args=[world.slug])).status_code
        api = world.api[role].get("/api/v1/sla/at-risk").status_code
        assert desk == api == (200 if role in MATRIX[Action.VIEW_AT_RISK] else 403), role


@pytest.mark.django_db
def test_the_client_referent_never_sees_internal_notes_raw_mail_or_exports(world: World) -> None:
    ref = Role.CLIENT_REFERENT
    assert not notes_on_case_page(world, ref)
    assert not notes_in_api_messages(world, ref) and not notes_in_api_events(world, ref)
    assert not note_attachment_api(world, ref) and not note_attachment_desk(world, ref)
    assert not raw_inbound(world, ref)
    assert not export_api(world, ref) and not export_desk(world, ref)
    # ...but reads the public conversation, the status and the reports.
    assert read_case_api(world, ref) and read_case_desk(world, ref)
    assert world.api[ref].get("/api/v1/sla/statement").status_code == 200


@pytest.mark.django_db
def test_the_customer_page_lists_note_events_only_to_those_who_read_notes(world: World) -> None:
    customer = world.customer()
    case = make_case(world.tenant, requester_id=customer.pk)
    case_services.add_message(
        case=case, actor=world.tenant.actor, direction="note", body="between us"
    )
    url = reverse("customers:detail", args=[world.slug, customer.pk])
    with translation.override("en"):
        label = str(EventKind.NOTE_ADDED.label)
    for role in Role:
        page = world.desk[role].get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        shown = label in page.content.decode()
        assert shown is (role in MATRIX[Action.READ_INTERNAL_NOTES]), role
