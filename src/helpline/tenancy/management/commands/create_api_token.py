"""``create_api_token <username> <org-slug> <name>``: print a new API token for a member.

The clear token is printed once and never stored (only its SHA-256 is), so copy it now.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpline.lib.actors import Actor
from helpline.lib.errors import NotFound
from helpline.tenancy.selectors import membership_for
from helpline.tenancy.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token acting for USERNAME in the organisation ORG_SLUG."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("org_slug")
        parser.add_argument("name", help="What the token is for, e.g. 'CRM sync'.")
        parser.add_argument(
            "--quiet-token",
            action="store_true",
            help="Print only the token (for scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {options['username']!r}.")
        try:
            membership = membership_for(user=user, org_slug=options["org_slug"])
        except NotFound as exc:
            raise CommandError(
                f"{options['username']!r} is not an active member of {options['org_slug']!r}."
            ) from exc
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the token a name.")
        _token, raw = create_api_token(
            actor=Actor.system("create_api_token"), membership=membership, name=name[:100]
        )
        if options["quiet_token"]:
            self.stdout.write(raw)
            return
        self.stdout.write(
            f"Token for {user.get_username()} in {membership.organization.slug} "
            f"({membership.get_role_display()}), shown once:\n{raw}\n"
            f"Use it as: Authorization: Bearer {raw}"
        )
