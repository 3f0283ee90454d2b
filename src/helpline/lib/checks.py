"""System checks that refuse an unsafe production start.

``helpline.E001``: with DEBUG off the secret key must be set, not the public development
key, and long enough. Every management command runs the checks (``migrate`` in
``make run``); the ASGI lifespan and the WSGI module run them before serving
(``refuse_unsafe_start``), so uvicorn and gunicorn do not start either.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

#: Django's own deployment check asks for at least this many characters.
MIN_SECRET_KEY_LENGTH = 50


@checks.register(checks.Tags.security)
def secret_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    try:
        key = settings.SECRET_KEY or ""
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    public = getattr(settings, "INSECURE_DEFAULT_SECRET_KEY", None)
    problem = ""
    if not key or key == public:
        problem = "no secret key is set (the public development key is in use)"
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        problem = f"the secret key is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if not problem:
        return []
    return [
        checks.Error(
            f"Refusing to run with DEBUG off: {problem}.",
            hint=(
                "Set HELPLINE_SECRET_KEY (python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(50))'), or HELPLINE_SECRET_KEY_FILE to a file "
                "the server may create and keep (make run uses $HELPLINE_DATA_DIR/secret_key)."
            ),
            id="helpline.E001",
        )
    ]


def refuse_unsafe_start() -> None:
    """Raise SystemCheckError if a security check fails (called by the servers' entries)."""
    from django.core.management.base import SystemCheckError

    errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.level >= checks.ERROR]
    if errors:
        raise SystemCheckError("\n".join(str(m) for m in errors))
