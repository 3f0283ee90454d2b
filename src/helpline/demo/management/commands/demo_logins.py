"""``python -m helpline demo_logins``: the demo's logins, URLs and an API token per tenant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from helpline.channels.models import Mailbox
from helpline.demo import loader
from helpline.lib.actors import Actor
from helpline.tenancy.models import ApiToken, Membership, Role
from helpline.tenancy.services import create_api_token

TOKEN_NAME = "demo"


class Command(BaseCommand):
    help = (
        "Print the demo logins (the tenants' with the demo password), the URLs, and an API "
        "token for one operator per demo tenant (created once; the clear token is only shown "
        "then)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the app is served."
        )
        parser.add_argument(
            "--smtp-port",
            type=int,
            default=int(os.environ.get("HELPLINE_SMTP_RECEIVE_PORT", 2525)),
            help="Where the SMTP intake listens (make run: 2525).",
        )
        parser.add_argument(
            "--mail-dir",
            default=str(Path(settings.DATA_DIR) / "mail"),
            help="Where the mail catcher stores outgoing mail.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout.write
        base = options["base_url"].rstrip("/")
        orgs = loader.demo_orgs()
        if not orgs:
            out("No demo data: run `python -m helpline load_demo` first.")
            return
        members = list(
            Membership.objects.filter(organization__in=orgs, is_active=True)
            .select_related("user", "organization")
            .order_by("organization__name", "pk")
        )
        rows = [("username", "role", "organisation", "name")]
        admin = get_user_model().objects.filter(username=loader.SUPERUSER).first()
        if admin is not None and admin.is_superuser:
            rows.append((admin.username, "Superuser (Django admin)*", "all", admin.get_full_name()))
        rows += [
            (
                m.user.username,
                str(Role(m.role).label),
                m.organization.name,
                m.user.get_full_name(),
            )
            for m in members
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        out("")
        out(self.style.MIGRATE_HEADING("Demo logins"))
        for i, row in enumerate(rows):
            line = "  " + "  ".join(col.ljust(w) for col, w in zip(row, widths, strict=True))
            out(self.style.MIGRATE_LABEL(line) if i == 0 else line)
        out(
            f"  Password for every demo tenant login: {loader.DEMO_PASSWORD}  "
            "(demo only: change it or remove the demo before real use)"
        )
        if admin is not None and admin.is_superuser:
            out(
                f"  * {admin.username}: its own random password, printed once when the demo "
                f"was loaded (a new one: python -m helpline changepassword {admin.username})"
            )
        out("")
        out(self.style.MIGRATE_HEADING("URLs"))
        out(f"  Agent desk   {base}/")
        out(f"  Admin        {base}/admin/")
        out(f"  API docs     {base}/api/docs  (after signing in to the desk)")
        out("")
        out(self.style.MIGRATE_HEADING("API tokens (Authorization: Bearer <token>)"))
        for org in orgs:
            operator = next(
                (m for m in members if m.organization_id == org.pk and m.role == Role.OPERATOR),
                None,
            )
            if operator is None:
                continue
            out(f"  {operator.user.username} @ {org.name}: {self._token(operator)}")
        out(f'  Try: curl -H "Authorization: Bearer <token>" {base}/api/v1/cases')
        out("")
        out(self.style.MIGRATE_HEADING("Settings (an administrator per tenant)"))
        for org in orgs:
            admins = [
                m.user.username
                for m in members
                if m.organization_id == org.pk and m.role == Role.ADMIN
            ]
            out(f"  {org.name}: {', '.join(admins)}  {base}/desk/{org.slug}/settings/")
        out("")
        self._mail(options["smtp_port"], options["mail_dir"])

    def _mail(self, smtp_port: int, mail_dir: str) -> None:
        out = self.stdout.write
        boxes = list(
            Mailbox.objects.filter(organization__in=loader.demo_orgs(), is_active=True)
            .select_related("organization")
            .order_by("organization__name", "pk")
        )
        if not boxes:
            return
        out(self.style.MIGRATE_HEADING(f"Mail (SMTP intake on 127.0.0.1:{smtp_port})"))
        for box in boxes:
            out(f"  {box.address:<40} {box.organization.name}: {box.name}")
        out("  Send a test mail (it opens a case on the desk):")
        port = "" if smtp_port == 2525 else f" --port {smtp_port}"
        out(f"    .venv/bin/python -m helpline demo_send_mail --to {boxes[0].address}{port}")
        out(
            f"    or: swaks --server 127.0.0.1:{smtp_port} --to {boxes[0].address} "
            "--from you@example.org"
        )
        out(f"  Mail the demo sends (acknowledgements, replies) is caught in {mail_dir}/")
        out(f"    ls -t {mail_dir} | head   (one .eml file per message)")
        out("")

    @transaction.atomic
    def _token(self, membership: Membership) -> str:
        """Create the member's "demo" token the first time; later only say that it exists."""
        existing = ApiToken.objects.filter(
            membership__user=membership.user, name=TOKEN_NAME, revoked_at__isnull=True
        ).first()
        if existing is not None:
            return (
                f"token {existing.key_prefix}… exists (its clear value was shown once, when it "
                "was created; revoke it in the admin and run this again for a new one)"
            )
        _token, raw = create_api_token(
            actor=Actor.system("demo"), membership=membership, name=TOKEN_NAME
        )
        return f"{raw}  (new: shown only this once)"
