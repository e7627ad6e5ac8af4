"""The ``spilno`` console command: a thin wrapper over Django's management commands.

``spilno audit verify`` runs the ``audit`` management command with ``verify``; any Django command
(``spilno migrate``, ``spilno createsuperuser`` …) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spilno.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) >= 2 and args[1] == "check" and "--database" not in args:
        # Operators mean "is this installation healthy", which includes the database checks.
        args += ["--database", "default"]
    args[0] = "spilno"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
