"""API messages follow the same rule as the desk: the token user's profile language, else the
request's Accept-Language, else English."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpline.tenancy.services import set_user_language

TITLE_REQUIRED = {
    "en": "A title is required.",
    "it": "Il titolo è obbligatorio.",
    "pt-br": "O título é obrigatório.",
    "cs": "Název je povinný.",
}


def _api(tenant: Any, **headers: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant.token}", **headers})


def _field_error(response: Any, field: str) -> str:
    assert response.status_code == 422, response.content
    messages = [e["msg"] for e in response.json()["detail"] if e["loc"][-1] == field]
    assert len(messages) == 1, response.json()
    return str(messages[0])


def _create_untitled(client: Client) -> Any:
    return client.post(
        "/api/v1/cases", {"case_type": "information", "title": " "}, content_type="application/json"
    )


@pytest.mark.parametrize("language", ["it", "pt-br", "cs"])
def test_field_errors_are_in_the_language_of_the_token_users_profile(
    tenant_a: Any, language: str
) -> None:
    set_user_language(user=tenant_a.operator, language=language)
    response = _create_untitled(_api(tenant_a))
    assert _field_error(response, "title") == TITLE_REQUIRED[language]
    assert response["Content-Language"] == language


def test_the_profile_language_outranks_accept_language(tenant_a: Any) -> None:
    set_user_language(user=tenant_a.operator, language="cs")
    response = _create_untitled(_api(tenant_a, accept_language="it"))
    assert _field_error(response, "title") == TITLE_REQUIRED["cs"]


@pytest.mark.parametrize(("accept", "language"), [("pt-BR", "pt-br"), ("it", "it"), ("", "en")])
def test_without_a_profile_language_accept_language_decides(
    tenant_a: Any, accept: str, language: str
) -> None:
    headers = {"accept_language": accept} if accept else {}
    response = _create_untitled(_api(tenant_a, **headers))
    assert _field_error(response, "title") == TITLE_REQUIRED[language]


def test_not_found_and_schema_validation_messages_are_translated_too(tenant_a: Any) -> None:
    set_user_language(user=tenant_a.operator, language="it")
    client = _api(tenant_a)
    assert client.get("/api/v1/cases/987654").json() == {"detail": "Pratica inesistente."}
    response = client.post(
        "/api/v1/customers", {"name": "Anna", "language": "xx"}, content_type="application/json"
    )
    assert "Lingua sconosciuta xx" in _field_error(response, "language")


def test_an_illegal_transition_is_explained_in_czech(tenant_a: Any) -> None:
    set_user_language(user=tenant_a.operator, language="cs")
    client = _api(tenant_a)
    case = client.post(
        "/api/v1/cases",
        {"case_type": "information", "title": "Dotaz"},
        content_type="application/json",
    ).json()
    url = f"/api/v1/cases/{case['id']}/status"
    response = client.post(url, {"status": "reopened"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Požadavek nemůže přejít ze stavu „Nový“ do stavu „Znovu otevřený“."
    }
