"""The default disclosure policy (DESIGN §4) and the feed counter's single row."""

from django.db import migrations
from django.utils import timezone

from spilno.transparency.disclosure import DEFAULT_POLICY


def seed(apps, schema_editor):
    rule_model = apps.get_model("transparency", "DisclosureRule")
    now = timezone.now()
    for level, default in DEFAULT_POLICY.items():
        rule_model.objects.get_or_create(
            level=int(level),
            defaults={
                "mode": str(default.mode),
                "delay_days": default.delay_days,
                "delay_event": str(default.delay_event),
                "withheld_fields": list(default.withheld_fields),
                "withhold_days": default.withhold_days,
                "withhold_event": str(default.withhold_event),
                "reason_en": default.reason_en,
                "reason_uk": default.reason_uk,
                "updated_at": now,
            },
        )
    apps.get_model("transparency", "FeedCounter").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
