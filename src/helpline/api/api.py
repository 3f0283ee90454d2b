"""The REST API under ``/api/v1/``: one router per domain, bearer-token authentication,
OpenAPI schema at ``/api/v1/openapi.json`` and interactive docs at ``/api/docs``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.views import openapi_json, openapi_view

from helpline.api import errors
from helpline.api.auth import token_auth
from helpline.api.parser import JsonObjectParser, NulInText
from helpline.cases.api import router as cases_router
from helpline.configuration.api import router as settings_router
from helpline.configuration.api_channels import router as channel_settings_router
from helpline.customers.api import router as customers_router
from helpline.notify.api import router as notify_router
from helpline.routing.api import router as routing_router
from helpline.sla.api import router as sla_router
from helpline.tenancy.api import router as users_router


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The interactive docs need a signed-in user unless HELPLINE_API_DOCS_PUBLIC (on by
    default only with DEBUG); the OpenAPI schema stays public for client generators."""
    if getattr(view, "func", None) is openapi_json:  # Ninja decorates the schema view too
        return view

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.HELPLINE_API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


#: Errors any operation may answer, documented on each one that does not say more:
#: every call needs a token (401) whose role the operation may refuse (403); ids in the path
#: may be unknown (404); parameters and bodies are validated (422). An operation with a
#: body may also get one that is not JSON at all (400) or of a media type it does not read
#: (415).
COMMON_ERRORS = {
    "401": "Missing, unknown or revoked token",
    "403": "The caller's role may not do this",
    "404": "Unknown id, or another organisation's",
    "422": "Invalid input",
}
BODY_ERRORS = {
    "400": "The body is not JSON",
    "415": "The body is of a media type this operation does not read",
}


class HelplineAPI(NinjaAPI):
    """The schema says every error an operation can answer (see ``COMMON_ERRORS``), and a
    NUL character in a path parameter is a 422 like one in a body or a query
    (``helpline.api.parser``), not a database error."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _refusing_nul_in_path(self, url.callback)
        return urls

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                errors = dict(COMMON_ERRORS)
                if "requestBody" in operation:
                    errors.update(BODY_ERRORS)
                for code, description in errors.items():
                    if int(code) not in responses and code not in responses:
                        responses[int(code)] = _error_response(code, description)
        return schema


def _refusing_nul_in_path(api: NinjaAPI, view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            if isinstance(value, str) and "\x00" in value:
                return errors.nul_in_text(api, request, NulInText(["path", name]))
        return view(request, *args, **kwargs)

    return wrapper


def _error_response(code: str, description: str) -> dict[str, Any]:
    name = "ValidationErrorOut" if code == "422" else "ErrorOut"
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


api = HelplineAPI(
    title="Helpline API",
    version="1",
    description=(
        "Multi-tenant contact-center API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `python -m helpline create_api_token <user> <org-slug> <name>`); "
        "the token's organisation scopes every call. See docs/api.md."
    ),
    urls_namespace="api",
    auth=token_auth,
    docs_url="/docs",
    docs_decorator=docs_access,
    openapi_url="/openapi.json",
    parser=JsonObjectParser(),
)
errors.install(api)
api.add_router("", cases_router)
api.add_router("", customers_router)
api.add_router("", routing_router)
api.add_router("", sla_router)
api.add_router("", notify_router)
api.add_router("", users_router)
api.add_router("", channel_settings_router)
api.add_router("", settings_router)


@docs_access
def docs(request: HttpRequest) -> HttpResponse:
    """Interactive docs (Swagger UI) at ``/api/docs``, reading ``/api/v1/openapi.json``."""
    return openapi_view(request, api)
