"""The desk speaks the language of the user's profile, else the browser's (Accept-Language)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from helpline.cases.services import UploadedFile, add_message, open_case
from helpline.desk.templatetags.desk import event_summary
from helpline.events.models import ContactEvent, EventKind
from helpline.tenancy.services import set_user_language

#: language -> (case list title, "New" status label, search placeholder, <html lang>)
CASE_LIST = {
    "it": ("Pratiche", "Nuova", "Protocollo, titolo o richiedente", "it"),
    "pt-br": ("Chamados", "Novo", "Protocolo, título ou solicitante", "pt-br"),
    "cs": ("Požadavky", "Nový", "Ev. číslo, název nebo žadatel", "cs"),
    "en": ("Cases", "New", "Protocol number, title or requester", "en"),
}


def _client(user: Any, **headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def _case(tenant: Any) -> Any:
    return open_case(
        org=tenant.org,
        actor=tenant.actor,
        channel="counter",
        case_type="complaint",
        title="Rumore notturno",
        topic_id=tenant.topic.pk,
    )


def _case_list(client: Client, tenant: Any) -> str:
    response = client.get(reverse("desk:case_list", args=[tenant.org.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _title(html: str) -> str:
    m = re.search(r"<title>(.*?)</title>", html, re.S)
    assert m
    return m.group(1).split("·")[0].strip()


@pytest.mark.parametrize("language", ["it", "pt-br", "cs"])
def test_the_case_list_is_in_the_language_of_the_users_profile(
    tenant_a: Any, language: str
) -> None:
    _case(tenant_a)
    set_user_language(user=tenant_a.operator, language=language)
    title, new, search, lang = CASE_LIST[language]
    html = _case_list(_client(tenant_a.operator), tenant_a)
    assert f'<html lang="{lang}">' in html
    assert _title(html) == title
    assert f'<span class="badge status-new">{new}</span>' in html
    assert f'placeholder="{search}"' in html
    assert "Cases" not in html
    assert "Unassigned" not in html


@pytest.mark.parametrize(("accept", "language"), [("cs,en;q=0.5", "cs"), ("it-IT,it", "it")])
def test_without_a_profile_language_the_browser_decides(
    tenant_a: Any, accept: str, language: str
) -> None:
    _case(tenant_a)
    html = _case_list(_client(tenant_a.operator, accept_language=accept), tenant_a)
    title, new, _protocol, lang = CASE_LIST[language]
    assert f'<html lang="{lang}">' in html
    assert _title(html) == title
    assert f'<span class="badge status-new">{new}</span>' in html


def test_brazilian_portuguese_is_chosen_for_pt_br_browsers(tenant_b: Any) -> None:
    _case(tenant_b)
    html = _case_list(_client(tenant_b.operator, accept_language="pt-BR,pt;q=0.9"), tenant_b)
    assert _title(html) == "Chamados"


def test_the_profile_language_outranks_the_browser(tenant_a: Any) -> None:
    set_user_language(user=tenant_a.operator, language="pt-br")
    html = _case_list(_client(tenant_a.operator, accept_language="cs"), tenant_a)
    assert _title(html) == "Chamados"


def test_a_browser_language_we_do_not_have_falls_back_to_english(tenant_a: Any) -> None:
    html = _case_list(_client(tenant_a.operator, accept_language="de-DE,de"), tenant_a)
    assert _title(html) == "Cases"


def test_the_case_page_is_translated_down_to_the_timeline(tenant_a: Any) -> None:
    case = _case(tenant_a)
    set_user_language(user=tenant_a.operator, language="cs")
    response = _client(tenant_a.operator).get(
        reverse("desk:case_detail", args=[tenant_a.org.slug, case.pk])
    )
    html = response.content.decode()
    assert 'class="protocol-label">Evidenční číslo<' in html
    assert ">Stížnost<" in html  # case type "Complaint"
    assert ">Přepážka<" in html  # channel "Counter"
    assert "Požadavek založen" in html  # contact event "Case opened"
    assert "Audit: Vytvoření" in html  # audit action "Created"
    assert "<td>Oblast</td>" in html  # the audit row of the field "topic"
    assert '<td>Kanál</td><td class="before">—</td><td class="after">Přepážka</td>' in html
    for english in ("Protocol number", "Timeline", "Complaint", "Case opened", "Reply"):
        assert english not in html, english


def test_the_language_switch_remembers_the_choice_in_the_profile(tenant_a: Any) -> None:
    client = _client(tenant_a.operator)
    response = client.post(reverse("desk:language"), {"language": "it", "next": "/desk/"})
    assert response.status_code == 302
    tenant_a.operator.profile.refresh_from_db()
    assert tenant_a.operator.profile.language == "it"
    assert _title(_case_list(_client(tenant_a.operator), tenant_a)) == "Pratiche"


@pytest.mark.parametrize(
    ("count", "czech"), [(1, "1 příloha"), (3, "3 přílohy"), (5, "5 příloh"), (21, "21 příloh")]
)
def test_czech_counts_use_its_three_plural_forms(tenant_a: Any, count: int, czech: str) -> None:
    case = _case(tenant_a)
    add_message(
        case=case,
        actor=tenant_a.actor,
        direction="inbound",
        body="Foto",
        attachments=[UploadedFile(f"f{i}.txt", "text/plain", b"%d" % i) for i in range(count)],
    )
    event = ContactEvent.objects.get(case_id=case.pk, kind=EventKind.MESSAGE_RECEIVED)
    with translation.override("cs"):
        assert event_summary(event, {}) == czech
    with translation.override("it"):
        assert event_summary(event, {}) == f"{count} allegat{'o' if count == 1 else 'i'}"
