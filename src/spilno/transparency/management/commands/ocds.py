"""``spilno ocds export|compile|validate|import``: open data in and out.

Each subcommand lives in :mod:`spilno.transparency.cli` as a module with ``configure(parser)``
and ``run(options) -> int`` (the exit status), so this file only dispatches.

``spilno ocds compile …`` on the command line does not come here: :func:`spilno.cli.ocds_compile`
runs the same ``configure`` and ``run`` without starting Django (the compiler needs none of it).
This command still lists ``compile`` in ``spilno ocds --help`` and runs it for the forms left to
Django (``spilno ocds --skip-checks compile …``, ``call_command("ocds", "compile", …)``).
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

SUBCOMMANDS = {
    "export": ("export", "Write the published releases as bulk files (JSON Lines, gzip)."),
    "compile": ("compile", "Compile releases into records (OCDS merge rules), streaming."),
    "validate": ("validate", "Validate OCDS packages against the OCDS 1.1 schema, offline."),
    "import": ("importer", "Import OCDS data into the analytics store (DuckDB)."),
}


class Command(BaseCommand):
    help = "OCDS open data: export, compile, validate and import."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        for name, (module, text) in SUBCOMMANDS.items():
            sub = subparsers.add_parser(name, help=text, description=text)
            self._module(module).configure(sub)

    @staticmethod
    def _module(name: str) -> Any:
        return importlib.import_module(f"spilno.transparency.cli.{name}")

    def handle(self, *args: Any, **options: Any) -> None:
        module, _ = SUBCOMMANDS[options["subcommand"]]
        status = self._module(module).run(options)
        if status:
            # The subcommand has already said what went wrong (e.g. which items are invalid);
            # only the exit status remains to be given.
            raise SystemExit(int(status))
