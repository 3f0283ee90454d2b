"""``python -m helpline demo_send_mail``: send a test mail to a demo mailbox through the
local SMTP intake, as a customer would (``make run`` serves the intake on port 2525)."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpline.channels.models import Mailbox
from helpline.demo import loader


class Command(BaseCommand):
    help = (
        "Send a test mail to a demo mailbox through the local SMTP intake: it opens a case "
        "and its acknowledgement goes to the mail catcher."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("HELPLINE_SMTP_RECEIVE_PORT", 2525))
        )
        parser.add_argument("--to", default="", help="A demo mailbox (default: the first one).")
        parser.add_argument("--from", dest="sender", default="maria.rossi@example.org")
        parser.add_argument("--name", default="Maria Rossi")
        parser.add_argument("--subject", default="Lampione spento in via Roma 12")
        parser.add_argument(
            "--body",
            default="Buongiorno, il lampione davanti al civico 12 di via Roma è spento da "
            "tre sere. Grazie.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        to = options["to"]
        if not to:
            box = (
                Mailbox.objects.filter(organization__in=loader.demo_orgs(), is_active=True)
                .order_by("organization__name", "pk")
                .first()
            )
            if box is None:
                raise CommandError("No demo mailbox: run `python -m helpline load_demo` first.")
            to = box.address
        msg = EmailMessage()
        msg["From"] = f"{options['name']} <{options['sender']}>"
        msg["To"] = to
        msg["Subject"] = options["subject"]
        msg["Message-ID"] = make_msgid(domain="example.org")
        msg.set_content(options["body"])
        try:
            with smtplib.SMTP(options["host"], options["port"], timeout=30) as client:
                client.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise CommandError(
                f"cannot send to the SMTP intake on {options['host']}:{options['port']} "
                f"(is `make run` running?): {exc}"
            ) from exc
        self.stdout.write(
            f"Sent “{options['subject']}” from {options['sender']} to {to}: the case is on the "
            "desk, its acknowledgement in the mail catcher's folder."
        )
