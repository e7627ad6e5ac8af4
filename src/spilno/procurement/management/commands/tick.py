"""``spilno tick``: apply every procurement transition whose time has come (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spilno.kernel import clock
from spilno.procurement.services.chronograph import tick


class Command(BaseCommand):
    help = (
        "Run the chronograph once: end enquiries and tendering at their deadlines, end "
        "standstills without open complaints, raise late-delivery claims. Safe to repeat."
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
            if report.changed or options["verbosity"] > 1 or not every:
                self.stdout.write(f"{clock.now():%Y-%m-%d %H:%M} UTC (business time) — {report}")
            if not every:
                return
            time.sleep(every)
