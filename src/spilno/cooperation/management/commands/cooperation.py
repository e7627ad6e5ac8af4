"""``spilno cooperation brief | compute``: the consultation brief, and computed indicators.

``spilno cooperation brief --partner DoD --from 2024-01-01 --to 2024-12-31 -o brief.pdf`` writes
the brief (PDF, or HTML with ``--format html`` or an ``.html`` file name) as the console
operator, or as ``--as USERNAME`` to see exactly what that user may see.

``spilno cooperation compute [--as-of DATE]`` computes every indicator backed by a registered
metric as of the date (default today) and prints what each came to.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import translation

from spilno.accounts.models import User
from spilno.cooperation import selectors
from spilno.cooperation.brief import build_brief, parse_params, record_production
from spilno.cooperation.pdf import render_pdf
from spilno.cooperation.services.values import compute_value
from spilno.kernel import clock
from spilno.kernel.access import AccessDenied, SystemActor
from spilno.kernel.metrics import UnknownMetric


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


def _errors(exc: ValidationError) -> str:
    names = {"start": "--from", "end": "--to"}
    return "; ".join(
        f"{names.get(name, '--' + name)}: {' '.join(messages)}"
        for name, messages in exc.message_dict.items()
    )


class Command(BaseCommand):
    help = "Produce a consultation brief, or compute the computed indicators."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        brief = sub.add_parser("brief", help="Write the consultation brief for a partner.")
        brief.add_argument(
            "--partner", required=True, help="Partner organisation: id or short name."
        )
        brief.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        brief.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD.")
        brief.add_argument(
            "--format", choices=["pdf", "html"], help="Default: from the file name, else pdf."
        )
        brief.add_argument(
            "--as", dest="username", help="Produce it as this user (default: the console)."
        )
        brief.add_argument(
            "--language", choices=["en", "uk"], default="en", help="Language of the brief."
        )
        brief.add_argument(
            "-o", "--output", required=True, help="File to write, or - for standard output."
        )
        compute = sub.add_parser("compute", help="Compute every metric-backed indicator.")
        compute.add_argument(
            "--as-of", dest="as_of", type=_date, help="Date of the figures (default: today)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(**options)

    # -- brief --------------------------------------------------------------------------------
    def _actor(self, username: str | None) -> Any:
        if not username:
            return SystemActor()
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {username!r}.")
        return user

    def _brief(self, **options: Any) -> None:
        actor = self._actor(options["username"])
        output: str = options["output"]
        fmt = options["format"] or ("html" if output.lower().endswith((".html", ".htm")) else "pdf")
        if fmt == "pdf" and output == "-" and sys.stdout.isatty():
            raise CommandError("Refusing to write a PDF to a terminal: give -o FILE.")
        with translation.override(options["language"]):
            try:
                partner, start, end = parse_params(
                    actor, options["partner"], options["start"], options["end"]
                )
                brief = build_brief(actor, partner, start, end)
            except ValidationError as exc:
                raise CommandError(_errors(exc), returncode=2) from None
            except AccessDenied as exc:
                raise CommandError(str(exc)) from None
            if fmt == "pdf":
                data = render_pdf(brief)
            else:
                data = render_to_string(
                    "cooperation/brief/document.html", {"brief": brief, "web": False}
                ).encode("utf-8")
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            try:
                Path(output).write_bytes(data)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        record_production(actor=actor, brief=brief, output=fmt)
        if brief.empty:
            what = "nothing visible"
        else:
            what = (
                f"{len(brief.programmes)} programme(s), {len(brief.lines)} line(s), "
                f"{len(brief.recommendations)} recommendation(s), {len(brief.open_actions)} "
                f"open action(s) ({len(brief.overdue_actions)} overdue)"
            )
        where = "standard output" if output == "-" else output
        self.stderr.write(
            f"Brief for {partner.label}, {start} to {end} [{brief.marking}]: {what}; "
            f"{len(data)} bytes of {fmt.upper()} written to {where}."
        )

    # -- compute ------------------------------------------------------------------------------
    def _compute(self, **options: Any) -> None:
        actor = SystemActor()
        as_of = options["as_of"] or clock.today()
        computed = nothing = failed = 0
        indicators = (
            selectors.indicators_for(actor).exclude(metric="").order_by("objective__line", "pk")
        )
        for indicator in indicators:
            programme = indicator.objective.line.programme
            label = f"{programme.reference} {indicator.objective.code} {indicator.title_en}"
            try:
                value = compute_value(actor=actor, indicator=indicator, as_of=as_of)
            except (ValidationError, UnknownMetric) as exc:
                failed += 1
                reason = (
                    " ".join(m for ms in exc.message_dict.values() for m in ms)
                    if isinstance(exc, ValidationError)
                    else f"unknown metric {indicator.metric!r}"
                )
                self.stdout.write(f"  FAILED  {label}: {reason}")
                continue
            if value is None:
                nothing += 1
                self.stdout.write(f"  —       {label}: nothing to measure yet")
            else:
                computed += 1
                self.stdout.write(f"  {value.value.normalize():f} {value.unit}  {label}")
        summary = (
            f"{computed + nothing + failed} computed indicator(s) as of {as_of}: {computed} "
            f"computed, {nothing} with nothing to measure yet, {failed} failed."
        )
        if failed:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
