"""``python -m helpline demo_logins``: the demo's logins, URLs and an API token per tenant."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

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
