"""The REST API under ``/api/v1/``: one router per domain, bearer-token authentication,
OpenAPI schema at ``/api/v1/openapi.json`` and interactive docs at ``/api/docs``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.views import openapi_json, openapi_view

from helpline.api import errors
from helpline.api.auth import token_auth
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

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.HELPLINE_API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


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
    docs_decorator=docs_access,
    openapi_url="/openapi.json",
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
