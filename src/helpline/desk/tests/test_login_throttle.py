"""Issue 13: login throttling (django-axes). After the failure limit an account is refused
even with the right password, and so is an address trying many accounts; the refusal is a
translated page (429) and an audit entry; a success clears the count."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from helpline.audit.models import AuditAction, AuditEntry

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Helpline-1"  # conftest's


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_the_right_password_is_refused_after_too_many_wrong_ones(
    tenant_a: Tenant, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    username = tenant_a.operator.username
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    codes = [_login(attacker, username, "wrong").status_code for _ in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]  # locked at the fifth failure
    # Even from another address the account is locked now.
    victim = Client(REMOTE_ADDR="198.51.100.2")
    r = _login(victim, username, PASSWORD)
    assert r.status_code == 429
    assert "Too many failed sign-ins" in r.content.decode()
    assert "_auth_user_id" not in victim.session
    entry = AuditEntry.objects.get(action=AuditAction.REFUSED)
    assert entry.object_id == str(tenant_a.operator.pk)
    assert entry.organization_id == tenant_a.org.pk
    assert entry.changes["refused"] == [None, "login"]


def test_an_address_trying_many_accounts_is_locked_out(tenant_a: Tenant, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("a", "b", "c"):
        _login(sprayer, name, "wrong")
    assert _login(sprayer, tenant_a.supervisor.username, PASSWORD).status_code == 429
    # The account itself is fine from elsewhere.
    assert _login(Client(), tenant_a.supervisor.username, PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures(tenant_a: Tenant, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    username = tenant_a.operator.username
    for _ in range(2):
        _login(client, username, "wrong")
    assert _login(client, username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        _login(client, username, "wrong")
    assert _login(client, username, PASSWORD).status_code == 302


def test_the_lockout_page_speaks_the_visitors_language(tenant_a: Tenant, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 1
    client = Client(headers={"Accept-Language": "it"})
    _login(client, tenant_a.operator.username, "wrong")
    r = _login(client, tenant_a.operator.username, PASSWORD)
    assert r.status_code == 429
    assert "Troppi accessi" in r.content.decode()
