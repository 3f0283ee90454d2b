"""Shared helpers of the desk tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from helpline.cases.models import Case
from helpline.cases.services import open_case


def make_case(tenant: Any, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "channel": "counter",
        "case_type": "information",
        "title": "Opening hours of the registry office",
    }
    values.update(fields)
    return open_case(org=tenant.org, actor=tenant.actor, **values)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


HTMX = {"HX-Request": "true"}
