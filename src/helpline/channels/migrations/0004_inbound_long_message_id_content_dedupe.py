"""Message-IDs stored whole; the de-duplication key becomes a digest of the Message-ID and
the content (``intake.dedupe_key_for``), recomputed for the rows already stored so that a
message delivered again after the upgrade is still recognised."""

from typing import Any

from django.db import migrations, models

_MAIL_CHANNELS = ("email", "pec", "fax")


def recompute_keys(apps: Any, schema_editor: Any) -> None:
    from helpline.channels.email.parser import quick_headers
    from helpline.channels.intake import dedupe_key_for

    inbound = apps.get_model("helpline_channels", "Inbound")
    taken = set(inbound.objects.values_list("organization_id", "dedupe_key"))
    changed = []
    rows = inbound.objects.only("pk", "organization_id", "channel", "message_id", "raw")
    for row in rows.order_by("pk").iterator(chunk_size=500):
        raw = bytes(row.raw)
        digest = quick_headers(raw).digest if row.channel in _MAIL_CHANNELS else ""
        key = dedupe_key_for(raw, row.message_id, digest)
        if (row.organization_id, key) in taken:
            continue  # the same message stored twice before (it keeps its old key)
        taken.add((row.organization_id, key))
        row.dedupe_key = key
        changed.append(row)
        if len(changed) >= 500:
            inbound.objects.bulk_update(changed, ["dedupe_key"])
            changed = []
    if changed:
        inbound.objects.bulk_update(changed, ["dedupe_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("helpline_channels", "0003_chatsettings_chatsession"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inbound",
            name="message_id",
            field=models.TextField(blank=True, verbose_name="Message-ID"),
        ),
        migrations.RunPython(recompute_keys, migrations.RunPython.noop, elidable=True),
    ]
