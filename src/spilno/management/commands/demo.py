"""``spilno demo``: migrate if needed and load the demo world; print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from spilno.demo.world import build_world


class Command(BaseCommand):
    help = "Create the demo world (organisations, agreements, one user per role) and print logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-migrate", action="store_true", help="Do not run migrations.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        result = build_world()
        self.stdout.write(
            "Demo world created." if result.created else "Demo world already present."
        )
        from spilno.demo.cooperation import build_cooperation
        from spilno.demo.publication import publish_and_export

        cooperation = build_cooperation()
        self.stdout.write(
            f"Cooperation: {cooperation.summary()}."
            if cooperation.created
            else "Cooperation already present."
        )

        published = publish_and_export()
        self.stdout.write(
            f"Open data: {published['releases']} releases published, bulk files written; "
            "the public portal is at /open/."
        )
        self.stdout.write(f"Demo logins (password for all: {result.users[0][1]}):")
        for username, _password, role in result.users:
            self.stdout.write(f"  {username:<12} {role}")
