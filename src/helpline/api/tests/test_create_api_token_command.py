"""``create_api_token``: the documented way to get a token, and the token it prints works."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from helpline.tenancy.models import ApiToken


def test_command_prints_a_working_token(tenant_a: Any) -> None:
    out = StringIO()
    call_command("create_api_token", tenant_a.supervisor.username, "comune", "CRM sync", stdout=out)
    token = out.getvalue().strip().splitlines()[1]
    assert token.startswith("hl_")
    stored = ApiToken.objects.get(name="CRM sync")
    assert stored.membership.user == tenant_a.supervisor
    assert token not in stored.key_hash  # only the hash is kept
    r = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/topics")
    assert r.status_code == 200
    assert r.json()["items"][0]["id"] == tenant_a.topic.pk


def test_quiet_mode_prints_only_the_token(tenant_a: Any) -> None:
    out = StringIO()
    call_command(
        "create_api_token",
        tenant_a.operator.username,
        "comune",
        "script",
        "--quiet-token",
        stdout=out,
    )
    assert out.getvalue().strip().startswith("hl_")
    assert len(out.getvalue().strip().split()) == 1


@pytest.mark.parametrize(
    ("username", "org"),
    [("nobody", "comune"), ("comune-operator", "aguas"), ("comune-operator", "no-such-org")],
)
def test_command_refuses_non_members(tenant_a: Any, tenant_b: Any, username: str, org: str) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_token", username, org, "x", stdout=StringIO())
    assert not ApiToken.objects.filter(name="x").exists()
