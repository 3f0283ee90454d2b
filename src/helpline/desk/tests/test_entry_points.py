"""``/``, ``/desk/``, login, logout and the language switcher."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from helpline.lib.actors import Actor
from helpline.tenancy.models import Role, UserProfile
from helpline.tenancy.services import add_member, create_user


def test_root_sends_anonymous_users_to_login_and_members_to_the_desk(client, desk_a):
    assert client.get("/")["Location"] == reverse("login")
    assert desk_a.get("/")["Location"] == "/desk/"


def test_desk_redirects_to_the_only_organisation(desk_a, tenant_a):
    assert desk_a.get("/desk/")["Location"] == f"/desk/{tenant_a.org.slug}/cases/"


def test_desk_lists_several_organisations(tenant_a, tenant_b):
    add_member(actor=Actor.system(), org=tenant_b.org, user=tenant_a.operator, role=Role.OPERATOR)
    c = Client()
    c.force_login(tenant_a.operator)
    html = c.get("/desk/").content.decode()
    assert tenant_a.org.name in html and tenant_b.org.name in html
    # ...and the header offers the switch on every page.
    page = c.get(f"/desk/{tenant_a.org.slug}/cases/").content.decode()
    assert f'href="/desk/{tenant_b.org.slug}/cases/"' in page


def test_a_user_without_membership_is_told_so(db):
    user = create_user(username="lonely", password="pw-Helpline-1")
    c = Client()
    c.force_login(user)
    response = c.get("/desk/")
    assert response.status_code == 200
    assert "not a member" in response.content.decode()


def test_login_and_logout(client, tenant_a):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(
        reverse("login"),
        {"username": tenant_a.operator.username, "password": "pw-Helpline-1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/desk/{tenant_a.org.slug}/cases/"
    assert tenant_a.org.name in response.content.decode()
    client.post(reverse("logout"))
    assert client.get("/desk/").status_code == 302


def test_tenant_branding_in_the_header(desk_a, tenant_a):
    html = desk_a.get(f"/desk/{tenant_a.org.slug}/cases/").content.decode()
    assert f"--brand: {tenant_a.org.brand_color}" in html
    assert tenant_a.org.name in html


def test_language_switch_is_remembered_in_the_profile(desk_a, tenant_a):
    response = desk_a.post(
        reverse("desk:language"), {"language": "it", "next": f"/desk/{tenant_a.org.slug}/cases/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/desk/{tenant_a.org.slug}/cases/"
    assert UserProfile.objects.get(user=tenant_a.operator).language == "it"
    page = desk_a.get(f"/desk/{tenant_a.org.slug}/cases/")
    assert '<html lang="it">' in page.content.decode()


def test_unknown_language_is_ignored(desk_a, tenant_a):
    response = desk_a.post(reverse("desk:language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=tenant_a.operator).language == ""


def test_an_expired_session_sends_htmx_to_the_login_page(client, tenant_a):
    url = reverse("desk:case_list", args=[tenant_a.org.slug])
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "case-table"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login") + "?next=")
