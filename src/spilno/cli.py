"""The ``spilno`` console command: a thin wrapper over Django's management commands.

``spilno audit verify`` runs the ``audit`` management command with ``verify``; any Django command
(``spilno migrate``, ``spilno createsuperuser`` …) works too.

One exception: ``spilno ocds compile …`` needs nothing of Django (no settings, no database, no
apps), so it runs before Django is imported (:func:`ocds_compile`). Starting Django and running
its system checks cost about 1 s and 70 MB, more than the compiler itself holds.
"""

from __future__ import annotations

import os
import sys

COMPILE = ["ocds", "compile"]


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spilno.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "spilno"
    status = ocds_compile(args)
    if status is not None:
        if status:
            raise SystemExit(status)
        return
    from django.core.management import execute_from_command_line

    if len(args) >= 2 and args[1] == "check" and "--database" not in args:
        # Operators mean "is this installation healthy", which includes the database checks.
        args += ["--database", "default"]
    execute_from_command_line(args)


def ocds_compile(args: list[str]) -> int | None:
    """Run ``spilno ocds compile …`` without Django: its exit status, or None when the command
    line is not one to run so (Django then takes it, as it takes every other command).

    Through Django, ``spilno ocds``'s parser (Django's common options, then one subparser per
    subcommand) hands every argument after ``compile`` to the ``compile`` subparser, and the
    management command calls :func:`spilno.transparency.cli.compile.run` with what it parsed.
    Here the same subparser, built by the same ``configure`` under the same name
    (``spilno ocds compile``), parses the same arguments and the same ``run`` runs, so help,
    usage errors, messages and exit statuses are those of the Django route. Two things only
    ``spilno ocds``'s own parser can say are left to it, so that they too stay the same:

    - arguments the subcommand does not know (Django reports them under ``spilno ocds``);
    - long options ``spilno ocds``'s parser would find ambiguous: argparse matches every
      argument against the parent parser's options before the subparser sees it, so ``--s``
      fails there (``--settings`` or ``--skip-checks``?) where ``compile`` alone would take it
      for ``--schema``. Any argument starting with ``--`` that is not exactly one of the
      subcommand's options goes to Django.

    Django's common options (``spilno ocds --skip-checks compile …``) are Django's too, as is
    shell completion.
    """
    if args[1:3] != COMPILE or "DJANGO_AUTO_COMPLETE" in os.environ:
        return None
    from spilno.transparency.cli import compile as command

    parser = command.parser(prog=f"spilno {' '.join(COMPILE)}")
    rest = args[3:]
    options = parser._option_string_actions
    checked = rest[: rest.index("--")] if "--" in rest else rest  # after --: no options
    if any(arg.startswith("--") and arg.split("=", 1)[0] not in options for arg in checked):
        return None
    parsed, unknown = parser.parse_known_args(rest)
    if unknown:
        return None
    return command.run(vars(parsed))


if __name__ == "__main__":
    main()
