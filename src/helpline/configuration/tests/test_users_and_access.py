"""Settings area, "Users and access", in the desk and the API: an administrator invites
(the user is created and the invitation lands in the outbox with a working link), changes
roles, deactivates and reactivates members, sends password resets and manages API tokens
(shown once, revocable); the last administrator stays, nobody deactivates themselves;
operators get 403 and another tenant's member or token is a 404. Every change is audited."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import Tenant, api_client
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.desk.tests.helpers import client_for
from helpline.notify.models import ACCOUNT_KIND, OutboundEmail
from helpline.tenancy.models import ApiToken, Membership, Role

pytestmark = pytest.mark.django_db


def _member(tenant: Tenant, user: Any) -> Membership:
    return Membership.objects.get(organization=tenant.org, user=user)


def _url(name: str, tenant: Tenant, *args: Any) -> str:
    return reverse(f"configuration:{name}", args=[tenant.org.slug, *args])


def _json(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def test_admin_invites_by_email_and_the_link_in_the_outbox_sets_the_password(
    tenant_a: Tenant,
) -> None:
    admin = client_for(tenant_a.admin)
    r = admin.post(
        _url("users_invite", tenant_a),
        {"email": "Nuova.Operatrice@example.com", "role": "back_office", "first_name": "Nuova"},
    )
    assert r.status_code == 302
    user = get_user_model().objects.get(email="Nuova.Operatrice@example.com")
    member = _member(tenant_a, user)
    assert member.role == Role.BACK_OFFICE and not user.has_usable_password()
    mail = OutboundEmail.objects.get(kind=ACCOUNT_KIND, to_address=user.email)
    assert mail.case_id is None and mail.organization_id == tenant_a.org.pk
    assert tenant_a.org.name in mail.subject  # in the organisation's language (Italian)
    assert AuditEntry.objects.filter(
        object_type="tenancy.membership", object_id=str(member.pk), action="create"
    ).exists()
    link = re.search(r"https?://\S+", mail.body)
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    page = browser.get("/" + path, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    done = browser.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Un-buon-segreto-42", "new_password2": "Un-buon-segreto-42"},
    )
    assert done.status_code == 302
    login = Client().post("/login/", {"username": user.username, "password": "Un-buon-segreto-42"})
    assert login.status_code == 302  # signed in (the login form posts through axes)
    # The link works once.
    assert "new_password1" not in Client().get("/" + path, follow=True).content.decode()


def test_inviting_an_existing_user_of_another_tenant_keeps_their_account(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    tenant_b.operator.email = "shared@example.com"
    tenant_b.operator.save()
    r = _json(
        api_client(tenant_a, tenant_a.admin),
        "post",
        "/api/v1/settings/users",
        {"email": "SHARED@example.com", "role": "operator"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["username"] == tenant_b.operator.username
    assert _member(tenant_a, tenant_b.operator).role == Role.OPERATOR
    again = _json(
        api_client(tenant_a, tenant_a.admin),
        "post",
        "/api/v1/settings/users",
        {"email": "shared@example.com", "role": "admin"},
    )
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "email"]


def test_the_last_admin_cannot_be_demoted_or_deactivated_and_nobody_deactivates_themselves(
    tenant_a: Tenant,
) -> None:
    admin = client_for(tenant_a.admin)
    me = _member(tenant_a, tenant_a.admin)
    r = admin.post(_url("member_role", tenant_a, me.pk), {"role": "operator"})
    assert r.status_code == 422 and "administrator" in r.content.decode()
    r = admin.post(_url("member_active", tenant_a, me.pk), {"active": "0"})
    assert r.status_code == 422
    me.refresh_from_db()
    assert (me.role, me.is_active) == (Role.ADMIN, True)
    # With a second administrator the first may step down; the second is then the last.
    sup = _member(tenant_a, tenant_a.supervisor)
    assert admin.post(_url("member_role", tenant_a, sup.pk), {"role": "admin"}).status_code == 302
    assert (
        admin.post(_url("member_role", tenant_a, me.pk), {"role": "supervisor"}).status_code == 302
    )
    api = api_client(tenant_a, tenant_a.supervisor)  # now the only administrator
    r = _json(api, "patch", f"/api/v1/settings/users/{sup.pk}", {"is_active": False})
    assert r.status_code == 422


def test_deactivating_a_member_shuts_the_desk_and_their_tokens_and_reactivation_restores(
    tenant_a: Tenant, api_a: Client
) -> None:
    admin = client_for(tenant_a.admin)
    op = _member(tenant_a, tenant_a.operator)
    assert admin.post(_url("member_active", tenant_a, op.pk), {"active": "0"}).status_code == 302
    assert api_a.get("/api/v1/cases").status_code == 401
    desk = client_for(tenant_a.operator)
    assert desk.get(reverse("desk:case_list", args=[tenant_a.org.slug])).status_code == 404
    assert admin.post(_url("member_active", tenant_a, op.pk), {"active": "1"}).status_code == 302
    assert api_a.get("/api/v1/cases").status_code == 200
    changes = [
        e.changes
        for e in AuditEntry.objects.filter(object_type="tenancy.membership", object_id=str(op.pk))
    ]
    assert {"is_active": [True, False]} in changes and {"is_active": [False, True]} in changes


def test_password_reset_mails_a_link(tenant_a: Tenant) -> None:
    tenant_a.operator.email = "op@example.com"
    tenant_a.operator.save()
    op = _member(tenant_a, tenant_a.operator)
    r = client_for(tenant_a.admin).post(_url("member_reset", tenant_a, op.pk))
    assert r.status_code == 302
    mail = OutboundEmail.objects.get(kind=ACCOUNT_KIND, to_address="op@example.com")
    assert "/password/set/" in mail.body
    api = api_client(tenant_a, tenant_a.admin)
    assert api.post(f"/api/v1/settings/users/{op.pk}/password-reset").status_code == 204
    assert OutboundEmail.objects.filter(kind=ACCOUNT_KIND).count() == 2


def test_a_token_is_shown_once_and_revoking_it_refuses_it(tenant_a: Tenant) -> None:
    admin = client_for(tenant_a.admin)
    ref = _member(tenant_a, tenant_a.referent)
    page = admin.post(_url("token_create", tenant_a, ref.pk), {"name": "reporting"})
    raw = re.search(r'id="new-token">(hl_[^<]+)<', page.content.decode())
    assert page.status_code == 200 and raw is not None
    token = raw.group(1)
    again = admin.get(_url("member", tenant_a, ref.pk)).content.decode()
    assert token not in again and "reporting" in again
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/cases").status_code == 200
    stored = ApiToken.objects.get(membership=ref, name="reporting")
    assert admin.post(_url("token_revoke", tenant_a, ref.pk, stored.pk)).status_code == 302
    assert client.get("/api/v1/cases").status_code == 401


def test_tokens_through_the_api_are_shown_once_and_revocable(tenant_a: Tenant) -> None:
    api = api_client(tenant_a, tenant_a.admin)
    op = _member(tenant_a, tenant_a.operator)
    r = _json(api, "post", f"/api/v1/settings/users/{op.pk}/tokens", {"name": "robot"})
    assert r.status_code == 201 and r.json()["token"].startswith("hl_")
    listed = api.get(f"/api/v1/settings/users/{op.pk}/tokens").json()["items"]
    assert all("token" not in t for t in listed) and "robot" in [t["name"] for t in listed]
    robot = Client(headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert robot.get("/api/v1/cases").status_code == 200
    assert api.delete(f"/api/v1/settings/users/{op.pk}/tokens/{r.json()['id']}").status_code == 204
    assert robot.get("/api/v1/cases").status_code == 401


@pytest.mark.parametrize("role", ["operator", "supervisor", "client_referent"])
def test_only_administrators_manage_users(tenant_a: Tenant, role: str) -> None:
    user = {
        "operator": tenant_a.operator,
        "supervisor": tenant_a.supervisor,
        "client_referent": tenant_a.referent,
    }[role]
    desk = client_for(user)
    op = _member(tenant_a, tenant_a.operator)
    assert desk.get(_url("users", tenant_a)).status_code == 403
    assert desk.get(_url("member", tenant_a, op.pk)).status_code == 403
    r = desk.post(_url("users_invite", tenant_a), {"email": "x@example.com", "role": "admin"})
    assert r.status_code == 403
    api = api_client(tenant_a, user)
    assert api.get("/api/v1/settings/users").status_code == 403
    r = _json(api, "post", "/api/v1/settings/users", {"email": "x@example.com", "role": "admin"})
    assert r.status_code == 403
    r = _json(api, "patch", f"/api/v1/settings/users/{op.pk}", {"role": "admin"})
    assert r.status_code == 403
    assert not get_user_model().objects.filter(email="x@example.com").exists()
    op.refresh_from_db()
    assert op.role == Role.OPERATOR


def test_another_tenants_members_and_tokens_are_404(tenant_a: Tenant, tenant_b: Tenant) -> None:
    b_op = _member(tenant_b, tenant_b.operator)
    b_token = ApiToken.objects.filter(membership=b_op).first()
    assert b_token is not None
    admin = client_for(tenant_a.admin)
    assert admin.get(_url("member", tenant_a, b_op.pk)).status_code == 404
    for name, data in (
        ("member_role", {"role": "admin"}),
        ("member_active", {"active": "0"}),
        ("member_reset", {}),
        ("token_create", {"name": "x"}),
    ):
        assert admin.post(_url(name, tenant_a, b_op.pk), data).status_code == 404, name
    assert admin.post(_url("token_revoke", tenant_a, b_op.pk, b_token.pk)).status_code == 404
    # Tenant A's own member with tenant B's token id is a 404 too.
    a_op = _member(tenant_a, tenant_a.operator)
    assert admin.post(_url("token_revoke", tenant_a, a_op.pk, b_token.pk)).status_code == 404
    assert admin.get(_url("users", tenant_b)).status_code == 404
    api = api_client(tenant_a, tenant_a.admin)
    base = f"/api/v1/settings/users/{b_op.pk}"
    assert api.get(base).status_code == 404
    assert _json(api, "patch", base, {"role": "admin"}).status_code == 404
    assert api.post(base + "/password-reset").status_code == 404
    assert api.get(base + "/tokens").status_code == 404
    assert _json(api, "post", base + "/tokens", {"name": "x"}).status_code == 404
    assert api.delete(f"{base}/tokens/{b_token.pk}").status_code == 404
    names = [m["username"] for m in api.get("/api/v1/settings/users").json()["items"]]
    assert tenant_b.operator.username not in names
    b_op.refresh_from_db()
    b_token.refresh_from_db()
    assert b_op.role == Role.OPERATOR and b_op.is_active and b_token.revoked_at is None
    assert not OutboundEmail.objects.exists()


def test_the_users_section_is_listed_for_administrators_only(tenant_a: Tenant) -> None:
    url = _url("users", tenant_a)
    index = reverse("configuration:index", args=[tenant_a.org.slug])
    assert url in client_for(tenant_a.admin).get(index).content.decode()
    assert url not in client_for(tenant_a.supervisor).get(index).content.decode()
