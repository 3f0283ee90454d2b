"""Helpers for the API tests: JSON calls and objects built through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpline.cases.models import Case
from helpline.cases.services import UploadedFile, add_message, open_case
from helpline.customers.models import Customer
from helpline.customers.services import create_customer


def post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def patch_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data, content_type="application/json")


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def referent_a(tenant_a: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant_a.referent_token}"})


@pytest.fixture
def make_case() -> Callable[..., Case]:
    """Open a case in a tenant through the service layer."""

    def make(tenant: Any, **fields: Any) -> Case:
        values: dict[str, Any] = {
            "channel": "phone",
            "case_type": "information",
            "title": "Street light out",
        }
        values.update(fields)
        return open_case(org=tenant.org, actor=tenant.actor, **values)

    return make


@pytest.fixture
def make_customer() -> Callable[..., Customer]:
    def make(tenant: Any, **fields: Any) -> Customer:
        values: dict[str, Any] = {"name": "Maria Rossi"}
        values.update(fields)
        return create_customer(org=tenant.org, actor=tenant.actor, **values)

    return make


@pytest.fixture
def case_with_attachment(tenant_a: Any, make_case: Callable[..., Case]) -> Case:
    case = make_case(tenant_a, title="Broken water meter")
    add_message(
        case=case,
        actor=tenant_a.actor,
        direction="inbound",
        body="Photo attached",
        attachments=[UploadedFile("meter.jpg", "image/jpeg", b"\xff\xd8jpeg-bytes")],
    )
    return case
