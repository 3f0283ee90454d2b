"""Runs in a separate process: opens cases against the test database named by the parent."""

from __future__ import annotations

import os


def create_cases(db_name: str, org_id: int, count: int) -> list[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name
    from helpline.cases.services import open_case
    from helpline.lib.actors import Actor
    from helpline.tenancy.models import Organization

    org = Organization.objects.get(pk=org_id)
    actor = Actor.system(f"worker-{os.getpid()}")
    numbers = [
        open_case(
            org=org, actor=actor, channel="phone", case_type="information", title=f"concurrent {i}"
        ).protocol_number
        for i in range(count)
    ]
    connections.close_all()
    return numbers
