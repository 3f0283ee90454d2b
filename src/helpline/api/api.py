"""The REST API under ``/api/v1/``: one router per domain, bearer-token authentication,
OpenAPI schema at ``/api/v1/openapi.json`` and interactive docs at ``/api/docs``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.views import openapi_view

from helpline.api import errors
from helpline.api.auth import token_auth
from helpline.cases.api import router as cases_router
from helpline.configuration.api import router as settings_router
from helpline.customers.api import router as customers_router
from helpline.routing.api import router as routing_router
from helpline.sla.api import router as sla_router

api = NinjaAPI(
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
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", cases_router)
api.add_router("", customers_router)
api.add_router("", routing_router)
api.add_router("", sla_router)
api.add_router("", settings_router)


def docs(request: HttpRequest) -> HttpResponse:
    """Interactive docs (Swagger UI) at ``/api/docs``, reading ``/api/v1/openapi.json``."""
    return openapi_view(request, api)
