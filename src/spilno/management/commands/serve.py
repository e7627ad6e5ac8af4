"""``spilno serve``: the web UI and API behind gunicorn (a real multi-process HTTP server)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Spilno over HTTP with gunicorn (default http://127.0.0.1:8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--tick",
            type=float,
            default=None,
            help="Run the chronograph every this many seconds beside the server "
            "(default SPILNO_TICK_SECONDS; 0 turns it off).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from spilno.wsgi import application

        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "accesslog": "-",
            "timeout": 60,
        }

        class SpilnoServer(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        every = options["tick"]
        if every is None:
            every = float(getattr(settings, "SPILNO_TICK_SECONDS", 30))
        chronograph = None
        if every > 0:
            # A separate process, so gunicorn's forking never shares its database connection.
            chronograph = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
                [sys.executable, "-m", "spilno.cli", "tick", "--every", str(every)]
            )
            self.stdout.write(f"Chronograph: every {every:g} s (spilno tick)")
        self.stdout.write(f"Spilno on http://{bind}/  (Ctrl+C stops it)")
        try:
            SpilnoServer().run()
        finally:
            if chronograph is not None:
                chronograph.terminate()
                chronograph.wait(timeout=10)
