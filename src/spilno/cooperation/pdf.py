"""The consultation brief as PDF, drawn with fpdf2 (pure Python: nothing to install beside it).

Fonts are vendored (DejaVu Sans, see ``fonts/LICENSE-DejaVu.txt``) so Ukrainian renders the same
on every machine, and embedded as subsets. Every page carries the brief's classification marking
at its top and bottom, and its number. Charts are the very SVG drawings the HTML brief shows.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from spilno.cooperation.brief import ActionEntry, Brief, IndicatorEntry, LineEntry, RatingEntry
from spilno.cooperation.states import Rating
from spilno.kernel.classification import Level

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu Sans"  # the family the charts' SVG <text> elements name first
MARKING_COLOURS = {
    Level.PUBLIC: (46, 125, 50),
    Level.INTERNAL: (21, 101, 192),
    Level.RESTRICTED: (183, 28, 28),
    Level.CONFIDENTIAL: (183, 28, 28),
    Level.SECRET: (183, 28, 28),
}
GREY = (90, 99, 110)
HEAD = FontFace(emphasis="BOLD", fill_color=(227, 232, 238))
_SVG_TITLE = re.compile(r"<title>.*?</title>", re.S)
Cell = str | tuple[str, FontFace | None]  # a table cell: text, or text with its own style


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


class BriefPDF(FPDF):
    def __init__(self, brief: Brief) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.brief = brief
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(15, 22, 15)
        self.set_auto_page_break(True, margin=20)
        self.set_title(brief.title)
        self.set_author(brief.generated_by)
        self.set_creator("Spilno")
        self.set_subject(brief.marking)
        self.set_lang(brief.language)
        self.set_creation_date(brief.generated_at)
        self.colour = MARKING_COLOURS[Level(brief.classification)]

    # -- every page -----------------------------------------------------------------------
    def header(self) -> None:
        self.set_y(8)
        self.set_font(FAMILY, "B", 10)
        self.set_text_color(*self.colour)
        self.cell(0, 5, self.brief.marking, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.brief.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*GREY)
        page = _("Page %(page)s of %(pages)s") % {
            "page": self.page_no(),
            "pages": self.str_alias_nb_pages,
        }
        self.cell(0, 4, page, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "B", 10)
        self.set_text_color(*self.colour)
        self.cell(0, 5, self.brief.marking, align="C")
        self.set_text_color(0)

    # -- building blocks ------------------------------------------------------------------
    def heading(self, text: str, level: int = 1) -> None:
        size = {0: 18, 1: 14, 2: 11.5, 3: 10}[level]
        if level <= 1 and self.get_y() > self.h - 60:
            self.add_page()
        self.ln({0: 0, 1: 4, 2: 3, 3: 2}[level])
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.set_font(FAMILY, "", 9.5)

    def para(self, text: str, *, size: float = 9.5, colour: Sequence[int] = (0, 0, 0)) -> None:
        if not text:
            return
        self.set_font(FAMILY, "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(1)

    def note(self, text: str) -> None:
        """A boxed statement the reader must not miss (nothing visible, no feed…)."""
        self.set_font(FAMILY, "", 9.5)
        self.set_fill_color(255, 244, 214)
        self.multi_cell(
            0,
            5,
            text,
            border=1,
            fill=True,
            padding=2,
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_fill_color(255)
        self.ln(2)

    def table(  # type: ignore[override]
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        widths: Sequence[float],
        empty: str = "",
    ) -> None:
        if not rows:
            if empty:
                self.para(empty, colour=GREY)
            return
        self.set_font(FAMILY, "", 8.5)
        with super().table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=4.2,
            padding=1.2,
            headings_style=HEAD,
            cell_fill_mode=TableCellFillMode.NONE,
            repeat_headings=1,
        ) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for cells in rows:
                row = table.row()
                for cell in cells:
                    if isinstance(cell, tuple):
                        row.cell(cell[0], style=cell[1])
                    else:
                        row.cell(cell)
        self.ln(3)

    def svg(self, svg: str, width: float) -> None:
        if not svg:
            return
        data = _SVG_TITLE.sub("", svg).encode("utf-8")
        self.image(io.BytesIO(data), w=width)
        self.ln(2)

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()


def _rating_cell(rating: RatingEntry | None) -> Cell:
    if rating is None:
        return _("not rated in the period"), FontFace(color=GREY)
    text = (27, 31, 36) if rating.rating == Rating.AT_RISK else (255, 255, 255)  # on amber
    return rating.label, FontFace(emphasis="BOLD", color=text, fill_color=rating.colour)


def _trend_text(rating: RatingEntry | None) -> str:
    if rating is None:
        return ""
    return f"{rating.arrow} {rating.trend_label}".strip()


def render_pdf(brief: Brief) -> bytes:
    """The brief as PDF bytes, in the language it was built in."""
    with translation.override(brief.language):
        return _render(brief)


def _render(brief: Brief) -> bytes:
    pdf = BriefPDF(brief)
    pdf.add_page()
    _title(pdf, brief)
    if brief.empty:
        pdf.note(
            _(
                "You may see nothing of the cooperation with %(partner)s in this period: no "
                "programme under an agreement with this partner is visible to you, and no review "
                "recommendation concerns it."
            )
            % {"partner": brief.partner_name}
        )
        return bytes(pdf.output())
    if brief.programmes:
        _lines(pdf, brief)
        _indicators(pdf, brief)
    _activities(pdf, brief)
    _recommendations(pdf, brief)
    _actions(pdf, brief)
    return bytes(pdf.output())


def _title(pdf: BriefPDF, brief: Brief) -> None:
    pdf.heading(_("Consultation brief"), 0)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 6, brief.partner_name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    generated = timezone.localtime(brief.generated_at).strftime("%Y-%m-%d %H:%M %Z")
    facts = [
        (_("Period covered"), f"{brief.start.isoformat()} – {brief.end.isoformat()}"),
        (_("Generated"), f"{generated} ({brief.generated_by})"),
        (_("Classification"), f"{brief.marking} ({brief.nato_marking})"),
        (
            _("Programmes"),
            "; ".join(f"{p.reference} {p.title} ({p.agreement})" for p in brief.programmes) or "—",
        ),
    ]
    pdf.set_font(FAMILY, "", 9.5)
    for label, value in facts:
        pdf.set_font(FAMILY, "B", 9.5)
        pdf.cell(32, 5, label)
        pdf.set_font(FAMILY, "", 9.5)
        pdf.multi_cell(0, 5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _lines(pdf: BriefPDF, brief: Brief) -> None:
    pdf.heading(_("Lines of effort"))
    rows: list[list[Cell]] = []
    for programme in brief.programmes:
        for line in programme.lines:
            rows.append(
                [
                    f"{line.code}  {line.title}",
                    _rating_cell(line.rating),
                    _trend_text(line.rating),
                    f"{line.rating.review} ({line.rating.held_on})" if line.rating else "",
                ]
            )
    pdf.table(
        [_("Line of effort"), _("Rating"), _("Trend"), _("Rated at")],
        rows,
        (44, 16, 16, 24),
        empty=_("The programmes have no lines of effort."),
    )
    for programme in brief.programmes:
        if len(brief.programmes) > 1:
            pdf.heading(f"{programme.reference} {programme.title}", 2)
        if programme.reviews:
            pdf.set_font(FAMILY, "B", 9.5)
            pdf.cell(0, 5, _("Reviews held in the period"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for review in programme.reviews:
                where = f", {review.place}" if review.place else ""
                pdf.para(f"{review.held_on}{where}: {review.title} ({review.kind_label})")
                pdf.para(review.summary, size=8.5, colour=GREY)
        for line in programme.lines:
            _line(pdf, line)


def _line(pdf: BriefPDF, line: LineEntry) -> None:
    pdf.ensure(30)
    pdf.heading(f"{line.code}  {line.title}", 2)
    rating = line.rating
    if rating is not None:
        pdf.para(
            _("%(rating)s (%(trend)s) at %(review)s, %(date)s")
            % {
                "rating": rating.label,
                "trend": _trend_text(rating),
                "review": rating.review,
                "date": rating.held_on,
            }
        )
        pdf.para(rating.narrative)
    elif line.earlier is not None:
        pdf.para(
            _("Not rated in this period; last rated %(rating)s at %(review)s, %(date)s.")
            % {
                "rating": line.earlier.label,
                "review": line.earlier.review,
                "date": line.earlier.held_on,
            },
            colour=GREY,
        )
    else:
        pdf.para(_("Not rated yet."), colour=GREY)
    if len(line.history) > 1:
        pdf.svg(line.strip, width=min(15 * len(line.history), 180))


def _indicators(pdf: BriefPDF, brief: Brief) -> None:
    pdf.heading(_("Indicators"))
    any_indicator = False
    for line in brief.lines:
        for objective in line.objectives:
            if not objective.indicators:
                continue
            any_indicator = True
            pdf.ensure(70)
            pdf.heading(f"{objective.code}  {objective.title}", 2)
            if objective.rating is not None:
                pdf.para(
                    f"{objective.rating.label} ({_trend_text(objective.rating)}): "
                    f"{objective.rating.narrative}",
                    size=8.5,
                )
            for indicator in objective.indicators:
                _indicator(pdf, indicator)
    if not any_indicator:
        pdf.para(_("No indicators are defined for these lines of effort."), colour=GREY)


def _indicator(pdf: BriefPDF, indicator: IndicatorEntry) -> None:
    pdf.ensure(62)
    pdf.heading(indicator.title, 3)
    latest = indicator.latest
    facts = [
        _("Latest: %(value)s as of %(date)s")
        % {"value": f"{number(latest.value)}{indicator.unit_label}", "date": latest.as_of}
        if latest
        else _("No approved figure yet."),
        _("Baseline %(value)s (%(date)s)")
        % {
            "value": f"{number(indicator.baseline)}{indicator.unit_label}",
            "date": indicator.baseline_date,
        },
        _("Target %(value)s by %(date)s")
        % {
            "value": f"{number(indicator.target)}{indicator.unit_label}",
            "date": indicator.target_date,
        },
    ]
    if indicator.progress_percent is not None:
        facts.append(
            _("%(percent)s%% of the way from baseline to target")
            % {"percent": indicator.progress_percent}
        )
    if indicator.computed:
        facts.append(_("computed from the system of record"))
    pdf.para(" · ".join(facts), size=8.5)
    if indicator.points:
        pdf.svg(indicator.chart, width=120)


def _activities(pdf: BriefPDF, brief: Brief) -> None:
    pdf.heading(_("Deliveries and training"))
    pdf.heading(_("Deliveries"), 2)
    pdf.table(
        [_("Date"), _("What"), _("Quantity"), _("Reference")],
        [
            [
                str(a.date),
                a.title,
                f"{number(a.quantity)} {a.unit}".strip() if a.quantity is not None else "",
                a.reference,
            ]
            for a in brief.deliveries
        ],
        (16, 54, 14, 16),
        empty=_("No deliveries you may see were accepted under these agreements in the period."),
    )
    pdf.heading(_("Training completed"), 2)
    if not brief.training_feed:
        pdf.note(
            _(
                "Training is not reported in this brief: no installed module provides a feed "
                "of training completed."
            )
        )
    else:
        pdf.table(
            [_("Date"), _("What"), _("Quantity"), _("Reference")],
            [
                [str(a.date), a.title, f"{number(a.quantity)} {a.unit}".strip(), a.reference]
                for a in brief.training
            ],
            (16, 54, 14, 16),
            empty=_("No training was completed under these agreements in the period."),
        )
    if brief.other_activities:
        pdf.heading(_("Other activities"), 2)
        pdf.table(
            [_("Date"), _("Kind"), _("What"), _("Reference")],
            [[str(a.date), a.kind, a.title, a.reference] for a in brief.other_activities],
            (16, 14, 54, 16),
        )


def _recommendations(pdf: BriefPDF, brief: Brief) -> None:
    pdf.heading(_("Recommendations"))
    if not brief.recommendations:
        pdf.para(_("No review recommendation concerns this partner."), colour=GREY)
        return
    pdf.para(
        _("Status at the end of the period of the %(count)s recommendations concerned:")
        % {"count": len(brief.recommendations)}
    )
    pdf.table(
        [label for _status, label, _n in brief.recommendation_counts],
        [[str(n) for _status, _label, n in brief.recommendation_counts]],
        [1] * len(brief.recommendation_counts),
    )
    pdf.heading(_("Moved in the period"), 2)
    pdf.table(
        [_("Recommendation"), _("Status"), _("Steps in the period"), _("Responsible")],
        [
            [
                f"{r.code}  {r.title}",
                r.label,
                "\n".join(
                    f"{s.on}: {s.label}" + (f" ({s.event})" if s.event else "") for s in r.steps
                ),
                r.responsible,
            ]
            for r in brief.recommendations_moved
        ],
        (40, 16, 30, 14),
        empty=_("No recommendation moved in the period."),
    )


def _action_row(action: ActionEntry) -> list[Cell]:
    owner = f"{action.owner} — {action.owner_person}" if action.owner_person else action.owner
    last: Cell = (
        (
            ngettext("%(days)s day", "%(days)s days", action.days_overdue)
            % {"days": action.days_overdue},
            FontFace(emphasis="BOLD", color=(183, 28, 28)),
        )
        if action.overdue
        else f"{action.review} ({action.held_on})"
    )
    return [
        str(action.due_on),
        f"{action.line + ': ' if action.line else ''}{action.text}",
        owner,
        action.label,
        last,
    ]


def _actions(pdf: BriefPDF, brief: Brief) -> None:
    pdf.heading(_("Action items"))
    columns = [_("Due"), _("Action"), _("Owner"), _("Status")]
    pdf.heading(
        _("Overdue at the end of the period (%(count)s)") % {"count": len(brief.overdue_actions)},
        2,
    )
    pdf.table(
        [*columns, _("Overdue")],
        [_action_row(a) for a in brief.overdue_actions],
        (13, 45, 20, 11, 11),
        empty=_("None."),
    )
    still = brief.actions_not_due
    pdf.heading(_("Open, not yet due (%(count)s)") % {"count": len(still)}, 2)
    pdf.table(
        [*columns, _("Set at")],
        [_action_row(a) for a in still],
        (13, 38, 18, 11, 20),
        empty=_("None."),
    )
