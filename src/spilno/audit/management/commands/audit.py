"""``spilno audit verify | checkpoint | export-checkpoint``: operator commands for the log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spilno.audit.models import AuditCheckpoint
from spilno.audit.services.checkpoint import create_checkpoint, export_checkpoint
from spilno.audit.services.verify import log_size, verify_log
from spilno.kernel.access import SystemActor


class Command(BaseCommand):
    help = "Verify the audit log, sign a checkpoint of its head, or export a checkpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Re-derive every hash; exit 1 at the first break.")
        verify.add_argument("--json", action="store_true", help="Print the result as JSON.")
        checkpoint = sub.add_parser("checkpoint", help="Sign the current head of every stream.")
        checkpoint.add_argument("--out", type=Path, help="Also write the checkpoint JSON here.")
        export = sub.add_parser("export-checkpoint", help="Print a checkpoint as JSON.")
        export.add_argument("id", nargs="?", type=int, help="Checkpoint id (default: newest).")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"].replace("-", "_"))(**options)

    def _verify(self, **options: Any) -> None:
        total = log_size()
        self.stderr.write(f"Verifying {total} audit entries…")
        progressed = False

        def progress(n: int) -> None:
            nonlocal progressed
            progressed = True
            self.stderr.write(f"  {n}/{total} entries checked", ending="\r")

        try:
            result = verify_log(progress=progress)
        finally:
            if progressed:
                # Close the progress line so a result or an error starts on its own line.
                self.stderr.write("")
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        first = result.first_break
        if first is not None:
            raise CommandError(f"Audit log BROKEN at {first.describe()}", returncode=1)
        if not options["json"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit log intact: {result.entries} entries in {result.streams} streams, "
                    f"{result.checkpoints} signed checkpoints consistent."
                )
            )

    def _checkpoint(self, **options: Any) -> None:
        checkpoint = create_checkpoint(actor=SystemActor())
        exported = json.dumps(export_checkpoint(checkpoint), indent=2, ensure_ascii=False)
        if options.get("out"):
            options["out"].write_text(exported + "\n", encoding="utf-8")
        self.stdout.write(
            f"Checkpoint #{checkpoint.pk}: {checkpoint.payload['entries']} entries, "
            f"root {checkpoint.payload['root']}, key {checkpoint.key_id}"
        )

    def _export_checkpoint(self, **options: Any) -> None:
        qs = AuditCheckpoint.objects.order_by("-pk")
        checkpoint = qs.filter(pk=options["id"]).first() if options["id"] else qs.first()
        if checkpoint is None:
            raise CommandError("No such checkpoint. Create one with `spilno audit checkpoint`.")
        self.stdout.write(json.dumps(export_checkpoint(checkpoint), indent=2, ensure_ascii=False))
