"""``spilno tick``: the chronograph. Applies every procurement transition whose time has come,
publishes withheld fields and releases that are due, and computes metric-backed cooperation
indicators for the last month end (all idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spilno.cooperation.services import values as indicator_values
from spilno.kernel import clock
from spilno.kernel.access import SystemActor
from spilno.procurement.services.chronograph import tick
from spilno.transparency.services import publication


class Command(BaseCommand):
    help = (
        "Run the chronograph once: end enquiries and tendering at their deadlines, end "
        "standstills without open complaints, raise late-delivery claims, publish releases and "
        "withheld fields whose date has come, compute indicators for the last month end. Safe to "
        "repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Keep running, once every this many seconds (0: run once and exit).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        while True:
            report = tick()
            published = publication.tick()
            indicators = indicator_values.compute_due(
                actor=SystemActor(), as_of=indicator_values.last_month_end()
            )
            changed = report.changed or any(published.values())
            if changed or options["verbosity"] > 1 or not every:
                extra = ", ".join(f"{name}: {count}" for name, count in published.items())
                extra += ", indicators: " + ", ".join(f"{k} {v}" for k, v in indicators.items())
                self.stdout.write(
                    f"{clock.now():%Y-%m-%d %H:%M} UTC (business time) — {report}, {extra}"
                )
            if not every:
                return
            time.sleep(every)
