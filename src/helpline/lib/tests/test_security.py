"""Issue 13: the server refuses the public secret key in production and keeps a private key
per installation; transport settings follow the public URL; attachments are only served
after the permission check (streamed, or handed to the proxy's internal location); the
websocket router closes unknown paths cleanly and a non-JSON frame gets an error frame; the
Content-Security-Policy is sent; weak passwords are refused."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from helpline.cases.models import Attachment
from helpline.cases.services import UploadedFile, add_message
from helpline.desk.tests.helpers import client_for, make_case
from helpline.lib.checks import secret_key_check
from helpline.lib.exports import safe_cell, safe_row

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

PUBLIC_KEY = "dev-only-insecure-key-change-me-in-production"
GOOD_KEY = "k3Y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"


def _settings_in_subprocess(env: dict[str, str], *names: str) -> dict[str, Any]:
    """Import the settings with this environment (a fresh process) and read some values."""
    code = (
        "import json, helpline.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("key", "debug", "refused"),
    [
        (PUBLIC_KEY, False, True),
        ("", False, True),
        ("short-key", False, True),
        (GOOD_KEY, False, False),
        (PUBLIC_KEY, True, False),  # development
    ],
)
def test_the_public_missing_or_short_secret_key_is_refused_when_debug_is_off(
    key: str, debug: bool, refused: bool
) -> None:
    with override_settings(SECRET_KEY=key, DEBUG=debug):
        errors = secret_key_check()
    assert [e.id for e in errors] == (["helpline.E001"] if refused else [])


def test_the_server_does_not_start_with_the_public_key(settings: Any) -> None:
    import asyncio

    from helpline.asgi import lifespan

    settings.SECRET_KEY = PUBLIC_KEY
    settings.DEBUG = False
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(lifespan({"type": "lifespan"}, receive, send))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "helpline.E001" in sent[0]["message"]


def test_each_installation_generates_and_keeps_its_own_private_key(tmp_path: Path) -> None:
    env = {"HELPLINE_DATA_DIR": str(tmp_path)}
    first = _settings_in_subprocess(env, "SECRET_KEY")["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first != PUBLIC_KEY and len(first) >= 50
    assert _settings_in_subprocess(env, "SECRET_KEY")["SECRET_KEY"] == first  # kept
    other = _settings_in_subprocess({"HELPLINE_DATA_DIR": str(tmp_path / "b")}, "SECRET_KEY")
    assert other["SECRET_KEY"] != first
    explicit = _settings_in_subprocess({**env, "HELPLINE_SECRET_KEY": GOOD_KEY}, "SECRET_KEY")
    assert explicit["SECRET_KEY"] == GOOD_KEY


def test_behind_https_cookies_are_secure_hsts_is_sent_and_sessions_are_short(
    tmp_path: Path,
) -> None:
    names = (
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_AGE",
        "HELPLINE_API_DOCS_PUBLIC",
    )
    env = {"HELPLINE_DATA_DIR": str(tmp_path)}
    prod = _settings_in_subprocess({**env, "HELPLINE_PUBLIC_URL": "https://h.example"}, *names)
    assert prod == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_AGE": 8 * 3600,
        "HELPLINE_API_DOCS_PUBLIC": False,
    }
    local = _settings_in_subprocess({**env, "HELPLINE_SESSION_SECONDS": "600"}, *names)
    assert local["SESSION_COOKIE_SECURE"] is False and local["SECURE_HSTS_SECONDS"] == 0
    assert local["SESSION_COOKIE_AGE"] == 600


@pytest.fixture
def attachment(tenant_a: Tenant) -> Attachment:
    case = make_case(tenant_a)
    msg = add_message(
        case=case,
        actor=tenant_a.actor,
        direction="inbound",
        body="photo",
        attachments=[UploadedFile("pole.jpg", "image/jpeg", b"\xff\xd8jpeg")],
    )
    return Attachment.objects.get(message=msg)


@pytest.mark.django_db
def test_attachments_are_never_served_by_path(
    client: Client, attachment: Attachment, settings: Any
) -> None:
    settings.DEBUG = True
    from django.urls import clear_url_caches

    clear_url_caches()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


@pytest.mark.django_db
def test_attachments_can_be_handed_to_the_proxy_after_the_permission_check(
    tenant_a: Tenant, tenant_b: Tenant, attachment: Attachment, settings: Any
) -> None:
    settings.HELPLINE_MEDIA_SERVE = "x-accel-redirect"
    settings.HELPLINE_MEDIA_INTERNAL_URL = "/_protected_media/"
    url = f"/api/v1/attachments/{attachment.pk}"
    r = Client(headers={"Authorization": f"Bearer {tenant_a.token}"}).get(url)
    assert r.status_code == 200 and r.content == b""
    assert r["X-Accel-Redirect"] == f"/_protected_media/{attachment.file.name}"
    assert 'filename="pole.jpg"' in r["Content-Disposition"]
    other = Client(headers={"Authorization": f"Bearer {tenant_b.token}"}).get(url)
    assert other.status_code == 404 and "X-Accel-Redirect" not in other
    settings.HELPLINE_MEDIA_SERVE = "django"
    desk = client_for(tenant_a.operator)
    streamed = desk.get(
        f"/desk/{tenant_a.org.slug}/cases/{attachment.message.case_id}/attachments/{attachment.pk}/"
    )
    assert b"".join(streamed.streaming_content) == b"\xff\xd8jpeg"  # type: ignore[attr-defined]


class _Socket(ApplicationCommunicator):
    """The websocket side of the ASGI protocol (Channels' own helper needs daphne)."""

    def __init__(self, path: str) -> None:
        from helpline.asgi import application

        headers = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
        scope = {"type": "websocket", "path": path, "headers": headers, "query_string": b""}
        super().__init__(application, scope)

    async def connect(self) -> dict[str, Any]:
        await self.send_input({"type": "websocket.connect"})
        return dict(await self.receive_output(5))


@pytest.mark.django_db(transaction=True)
def test_an_unknown_websocket_path_is_closed_with_4404() -> None:
    async def run() -> list[dict[str, Any]]:
        sock = _Socket("/ws/nowhere/")
        return [await sock.connect(), dict(await sock.receive_output(5))]

    accepted, closed = async_to_sync(run)()
    assert accepted["type"] == "websocket.accept"
    assert closed["type"] == "websocket.close" and closed["code"] == 4404


@pytest.mark.django_db(transaction=True)
def test_a_non_json_frame_gets_an_error_frame_and_the_socket_stays_open(
    tenant_a: Tenant,
) -> None:
    from helpline.channels.chat import service as chat
    from helpline.channels.models import ChatSettings
    from helpline.routing.models import Queue

    queue = Queue.objects.create(organization=tenant_a.org, code="chat", name="Chat")
    ChatSettings.objects.create(organization=tenant_a.org, queue=queue)
    token = chat.start_chat(org=tenant_a.org, name="Eva", email="", text="hi").token

    async def run() -> list[Any]:
        sock = _Socket(f"/ws/chat/{token}/")
        assert (await sock.connect())["type"] == "websocket.accept"
        answers = []
        for frame in ("not json{", "still not json"):
            await sock.send_input({"type": "websocket.receive", "text": frame})
            answers.append(json.loads((await sock.receive_output(5))["text"]))
        await sock.send_input({"type": "websocket.disconnect", "code": 1000})
        await sock.wait(1)
        return answers

    answers = async_to_sync(run)()
    assert [a["type"] for a in answers] == ["error", "error"]  # the socket stayed open


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_unsafe_inline_scripts(
    client: Client, tenant_a: Tenant
) -> None:
    for url in ("/login/", f"/{tenant_a.org.slug}/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in policy


def test_common_and_numeric_passwords_are_refused() -> None:
    for weak in ("password123", "12345678901"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct horse battery staple")


def test_spreadsheet_formulas_are_neutralised_in_export_cells() -> None:
    assert safe_cell('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert safe_row(["+1", "-x", "@SUM(A1)", "\t=1", "\r=1", "ok", -5, None]) == [
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "ok",
        -5,
        None,
    ]
