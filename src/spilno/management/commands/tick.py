"""``spilno tick``: the chronograph. Applies every procurement transition whose time has come,
then publishes withheld fields and releases that are due (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spilno.kernel import clock
from spilno.procurement.services.chronograph import tick
from spilno.transparency.services import publication


class Command(BaseCommand):
    help = (
        "Run the chronograph once: end enquiries and tendering at their deadlines, end "
        "standstills without open complaints, raise late-delivery claims, publish releases and "
        "withheld fields whose date has come. Safe to repeat."
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
            changed = report.changed or any(published.values())
            if changed or options["verbosity"] > 1 or not every:
                extra = ", ".join(f"{name}: {count}" for name, count in published.items())
                self.stdout.write(
                    f"{clock.now():%Y-%m-%d %H:%M} UTC (business time) — {report}, {extra}"
                )
            if not every:
                return
            time.sleep(every)
