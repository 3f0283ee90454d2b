"""The API keeps the promises of its OpenAPI schema: a bounded schemathesis run over every
operation, in-process against the WSGI app (no network), with all of schemathesis' checks
(no 5xx, documented status codes, content types and response schemas, invalid input
rejected, valid input accepted), as tenant A's administrator; every id of tenant A that the
run reaches is then asked for with tenant B's token, which gets nothing (404).

Budget: ``EXAMPLES`` positive and ``EXAMPLES`` negative examples per operation, derandomized
(the same examples on every run), no shrinking. See docs/api.md, "Conformance".
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from helpline.api.api import api
from helpline.cases.services import UploadedFile, add_message, open_case
from helpline.customers.services import create_customer
from helpline.tenancy.models import Membership
from helpline.tenancy.services import create_api_token

pytestmark = pytest.mark.slow

#: Examples per operation and generation mode (positive, negative); the environment
#: variable raises the budget for a deeper run.
EXAMPLES = int(os.environ.get("HELPLINE_CONFORMANCE_EXAMPLES", "10"))
#: Examples per operation on rows that exist (the seeded case, attachment, customer...).
KNOWN_ID_EXAMPLES = 5

#: Operations left out of the run, by operation id, and why.
EXCLUDED = {
    # Revoking tokens: the fuzzer revokes the very token it authenticates with (ids are
    # small), and every later call is a 401.
    "helpline_tenancy_api_revoke_token",
    # Logs in to the IMAP/SMTP host of a mailbox for real: generated mailboxes name
    # arbitrary hosts, and this run never connects anywhere.
    "helpline_configuration_api_channels_test_mailbox",
}

#: The checks of every response: all of schemathesis' own checks for single responses
#: (``positive_data_acceptance`` in the form of ``_positive_data_accepted_by_the_schema_layer``).
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
]


@pytest.fixture
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the generated data says, nothing in the run reaches beyond 127.0.0.1."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise OSError(f"conformance run: no connections to {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def refuse(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1") and self.family != socket.AF_UNIX:
            raise OSError(f"conformance run: no connections to {host!r}")
        return real_connect(self, address)

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def api_schema(settings: Any) -> Any:
    """The schema, calling the WSGI app in-process."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    schema.app = WSGIHandler()
    # The Authorization header is the run's own (a token of tenant A or B), not generated.
    schema.config.generation.update(with_security_parameters=False)
    return schema


@contextmanager
def _connection_kept() -> Iterator[None]:
    """As in Django's test client, requests do not close the database connection (the
    test's transaction would go with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _token(tenant: Any, user: Any) -> str:
    membership = Membership.objects.get(organization=tenant.org, user=user)
    return create_api_token(actor=tenant.actor, membership=membership, name="conformance")[1]


def _seed(tenant: Any) -> dict[str, int]:
    """A few rows so small generated ids find something (cases with a message and an
    attachment, customers); the ids of one of each, for the known-ids pass."""
    ids: dict[str, int] = {}
    for n in range(3):
        case = open_case(
            org=tenant.org,
            actor=tenant.actor,
            channel="phone",
            case_type="information",
            title=f"Street light out {n}",
            topic_id=tenant.topic.pk,
        )
        message = add_message(
            case=case,
            actor=tenant.actor,
            direction="inbound",
            body="Photo attached",
            attachments=[UploadedFile("meter.jpg", "image/jpeg", b"\xff\xd8jpeg-bytes")],
        )
        customer = create_customer(org=tenant.org, actor=tenant.actor, name=f"Maria Rossi {n}")
        ids = {
            "case_id": case.pk,
            "attachment_id": message.attachments.get().pk,
            "customer_id": customer.pk,
        }
    ids["member_id"] = Membership.objects.get(organization=tenant.org, user=tenant.operator).pk
    admin = Client(headers={"Authorization": f"Bearer {_token(tenant, tenant.admin)}"})
    calendar = admin.post("/api/v1/sla/calendars", CALENDAR, content_type="application/json")
    ids["calendar_id"] = calendar.json()["id"]
    policy = admin.post("/api/v1/sla/policies", _policy(ids["calendar_id"]), "application/json")
    ids["policy_id"] = policy.json()["id"]
    notice = admin.post("/api/v1/settings/privacy-notices", NOTICE, "application/json")
    ids["notice_id"] = notice.json()["id"]
    return ids


CALENDAR = {
    "name": "Municipio",
    "time_zone": "Europe/Rome",
    "slots": [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(7)],
}
NOTICE = {"version": "1", "text": "I dati sono trattati...", "language": "it"}


def _policy(calendar_id: int) -> dict[str, Any]:
    return {
        "name": "Written requests",
        "calendar_id": calendar_id,
        "targets": [{"kind": "first_response", "amount": 4, "unit": "hours"}],
    }


def _id_params(case: Any) -> dict[str, Any]:
    return {k: v for k, v in (case.path_parameters or {}).items() if k.endswith("_id")}


def _run(
    operation: Any,
    mode: GenerationMode,
    tokens: tuple[str, str],
    path_parameters: dict[str, int] | None = None,
    examples: int = EXAMPLES,
) -> list[str]:
    """Run one operation's examples; the problems found, one line each."""
    problems: list[str] = []
    headers_a = {"Authorization": f"Bearer {tokens[0]}"}
    headers_b = {"Authorization": f"Bearer {tokens[1]}"}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        try:
            response = case.call_and_validate(headers=headers_a, checks=_checks())
        except (Exception, BaseExceptionGroup) as exc:  # failed checks: report them all
            problems.append(f"{operation.label} [{mode.value}]: {_first_line(exc)}")
            return
        if 200 <= response.status_code < 300 and _id_params(case):
            other = case.call(headers=headers_b)
            if other.status_code not in (403, 404, 422):
                problems.append(
                    f"{operation.label}: tenant B got {other.status_code} for tenant A's "
                    f"{_id_params(case)}"
                )

    try:
        run()
    except Unsatisfiable:
        # Nothing to negate: an operation without parameters or body has no invalid input.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return problems


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return " | ".join(line.strip() for line in text.splitlines()[:14] if line.strip())


def _checks() -> list[Any]:
    from schemathesis.checks import CHECKS as REGISTRY
    from schemathesis.checks import load_all_checks

    load_all_checks()
    return [
        *REGISTRY.get_by_names(CHECKS),
        _positive_data_accepted_by_the_schema_layer,
        _datetimes_carry_an_offset,
    ]


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def _datetimes_carry_an_offset(ctx: Any, response: Any, case: Any) -> None:
    """Every datetime in a JSON answer says its zone (docs/api.md: ISO 8601 in UTC)."""
    if not response.content or "json" not in (response.headers.get("content-type") or [""])[0]:
        return

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for n, item in enumerate(value):
                walk(item, f"{where}[{n}]")
        elif isinstance(value, str) and _DATETIME.match(value) and not _OFFSET.search(value):
            raise AssertionError(f"datetime without an offset at {where}: {value!r}")

    walk(response.json(), "$")


def _positive_data_accepted_by_the_schema_layer(ctx: Any, response: Any, case: Any) -> Any:
    """schemathesis' ``positive_data_acceptance``, except that a 422 whose every item is a
    domain check (``value_error``: a reminder names no case, a tax id fails its checksum...)
    is an answer the schema cannot express: the schema layer accepted the data."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    if response.status_code == 422:
        detail = response.json().get("detail")
        if isinstance(detail, list) and all(d.get("type") == "value_error" for d in detail):
            return None
    return positive_data_acceptance(ctx, response, case)


@pytest.mark.django_db(transaction=False)
@pytest.mark.usefixtures("_loopback_only")
def test_every_operation_keeps_to_the_openapi_schema_for_two_tenants(
    api_schema: Any, tenant_a: Any, tenant_b: Any
) -> None:
    known = _seed(tenant_a)
    _seed(tenant_b)
    tokens = (_token(tenant_a, tenant_a.admin), _token(tenant_b, tenant_b.admin))
    problems: list[str] = []
    tested = 0
    with _connection_kept():
        for result in api_schema.get_all_operations():
            operation = result.ok()
            if operation.definition.raw.get("operationId") in EXCLUDED:
                continue
            tested += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                problems += _run(operation, mode, tokens)
            # Known ids: the same checks on rows that exist, and tenant B asks for them too.
            names = {p.name for p in operation.path_parameters}
            if names and names <= known.keys():
                ids = {name: known[name] for name in names}
                problems += _run(operation, GenerationMode.POSITIVE, tokens, ids, KNOWN_ID_EXAMPLES)
    assert tested >= 90
    assert not problems, "\n".join(sorted(set(problems)))
