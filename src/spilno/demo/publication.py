"""The demo's disclosure policy and its open data.

The administrator's policy for the demo: internal procurement (the FPV drone framework) is
published once its contract is signed, with quantities and delivery places withheld until a
year after completion; restricted procurement (the interceptors) waits 30 days after the award.
So the anonymous portal shows all three cases: published, withheld fields, held releases.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from spilno.transparency.cli.export import export
from spilno.transparency.services.policy import update_rule
from spilno.transparency.services.publication import tick


def set_demo_policy() -> None:
    update_rule(
        actor=SystemActor(),
        level=Level.INTERNAL,
        changes={
            "mode": "delay",
            "delay_days": 0,
            "delay_event": "contract_signed",
            "withheld_fields": ["items.quantity", "items.deliveryAddress"],
            "withhold_days": 365,
            "withhold_event": "contract_complete",
            "reason_en": "Drone quantities and delivery places reveal operational needs: "
            "published a year after the contract is complete.",
            "reason_uk": "Кількості дронів і місця поставки розкривають оперативні потреби: "
            "оприлюднюються через рік після виконання договору.",
        },
    )


def publish_and_export() -> dict[str, Any]:
    """Publish what is due now and write the bulk files."""
    published = tick()
    counts = export(settings.SPILNO_BULK_DIR)
    return {**published, **counts}
