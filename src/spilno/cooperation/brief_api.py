"""API for the consultation brief: the same brief as the page, as JSON or as PDF.

``GET /api/v1/cooperation/brief?partner=…&start=…&end=…`` answers the brief's data;
``GET /api/v1/cooperation/brief.pdf`` with the same parameters the PDF. ``partner`` is an
organisation id or short name. Each brief produced is recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Query, Router, Schema
from pydantic import Field

from spilno.cooperation.brief import Brief, build_brief, parse_params, record_production
from spilno.cooperation.pdf import render_pdf

router = Router(tags=["cooperation"])


class BriefParams(Schema):
    partner: str = Field(
        min_length=1,
        max_length=300,
        description="The partner organisation: its id or short name.",
        examples=["DoD"],
    )
    start: dt.date = Field(description="First day of the period.", examples=["2024-01-01"])
    end: dt.date = Field(description="Last day of the period.", examples=["2024-12-31"])


def _brief(request: HttpRequest, params: BriefParams) -> Brief:
    partner, start, end = parse_params(request.user, params.partner, params.start, params.end)
    return build_brief(request.user, partner, start, end)


@router.get(
    "/brief",
    summary="Consultation brief (JSON)",
    description=(
        "Everything you may see of the cooperation with a partner in a period: the programmes "
        "under agreements with it, each line of effort's latest rating in the period and its "
        "trend, indicators with their approved series, deliveries and training, recommendations "
        "with their status at the end of the period and their moves in it, and the action items "
        "open (and overdue) at its end. `classification` is the highest level of what it holds; "
        "`empty` is true when you may see nothing of it."
    ),
    response=dict[str, Any],
)
def brief_json(request: HttpRequest, params: Query[BriefParams]) -> dict[str, Any]:
    brief = _brief(request, params)
    record_production(actor=request.user, brief=brief, output="json")
    return brief.as_dict()


@router.get(
    "/brief.pdf",
    summary="Consultation brief (PDF)",
    description="The same brief as a PDF document, marked with its classification on every page.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The brief",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def brief_pdf(request: HttpRequest, params: Query[BriefParams]) -> HttpResponse:
    brief = _brief(request, params)
    response = HttpResponse(render_pdf(brief), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"{brief.filename}.pdf")
        or "attachment"
    )
    record_production(actor=request.user, brief=brief, output="pdf")
    return response
