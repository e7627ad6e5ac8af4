"""Open data under /api/v1/ocds/ (no login) and the disclosure policy under /api/v1/transparency/.

Packages are served as the exact JSON published (orjson), not re-modelled by pydantic, so what
a reader downloads is byte for byte what the feed and the bulk files hold.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema

from spilno.kernel.access import require
from spilno.kernel.apitools import clamp_limit
from spilno.kernel.classification import Level
from spilno.transparency import packages, selectors
from spilno.transparency.disclosure import WITHHOLDABLE
from spilno.transparency.models import DisclosureRule
from spilno.transparency.services.policy import ensure_default_policy, update_rule

router = Router(tags=["open data"])
policy_router = Router(tags=["disclosure policy"])

JSON = "application/json"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type=JSON, status=status, headers=headers)


def _url(request: HttpRequest) -> str:
    return packages.public_url(request.get_full_path())


@router.get(
    "/releases", auth=None, url_name="ocds-feed", summary="The publication feed, in commit order"
)
def feed(request: HttpRequest, after: int = 0, limit: int = 100) -> HttpResponse:
    """Published releases with a feed number above ``after``, oldest first, as a release
    package. Numbers are given when a release is published, in commit order, so a reader who
    saves the last number and asks again from it never misses a release. ``links.next`` holds
    the next page; when there is none, ask again later with ``after=`` the last number seen."""
    if after < 0:
        raise ValidationError({"after": "A feed number (0 or more)."})
    limit = clamp_limit(limit, 1000)
    rows = selectors.feed(after, limit)
    last = rows[-1].seq if rows else after
    package = packages.release_package([r.payload for r in rows], _url(request))
    next_url = packages.public_url(f"{reverse('api-1.0.0:ocds-feed')}?after={last}&limit={limit}")
    package["links"] = {"next": next_url}
    return _json(
        package,
        headers={"Link": f'<{next_url}>; rel="next"', "X-Feed-Last": str(last or 0)},
    )


@router.get(
    "/releases/{release_id}", auth=None, url_name="ocds-release", summary="One published release"
)
def release(request: HttpRequest, release_id: str) -> HttpResponse:
    found = selectors.published_release(release_id)
    if found is None:
        raise Http404("No published release with that id.")
    return _json(packages.release_package([found.payload], _url(request)))


@router.get(
    "/processes/{ocid}/releases",
    auth=None,
    url_name="ocds-releases",
    summary="Every release of one process",
)
def process_releases(request: HttpRequest, ocid: str) -> HttpResponse:
    rows = selectors.process_releases(ocid)
    if not rows:
        raise Http404("No published process with that ocid.")
    return _json(packages.release_package([r.payload for r in rows], _url(request)))


@router.get(
    "/processes/{ocid}/record",
    auth=None,
    url_name="ocds-record",
    summary="The record of one process",
)
def process_record(request: HttpRequest, ocid: str) -> HttpResponse:
    """A record package: the releases embedded, the compiled release and the versioned release
    (the history of every field), compiled with the OCDS merge rules."""
    rows = selectors.process_releases(ocid)
    if not rows:
        raise Http404("No published process with that ocid.")
    record = packages.record(ocid, [r.payload for r in rows])
    return _json(packages.record_package([record], _url(request)))


class SearchQuery(Schema):
    q: str = ""
    buyer: str = ""
    supplier: str = ""
    cpv: str = ""
    status: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    cursor: str = ""
    limit: int = 50


def _filters(query: SearchQuery) -> selectors.Filters:
    data = query.dict()
    data.pop("cursor")
    data.pop("limit")
    return selectors.Filters(**data)


def _page(rows: Any, field_name: str, query: SearchQuery) -> tuple[list[Any], str | None]:
    try:
        return selectors.newest_first_page(rows, field_name, query.cursor, clamp_limit(query.limit))
    except selectors.BadCursor as exc:
        raise ValidationError({"cursor": str(exc)}) from exc


@router.get("/processes", auth=None, summary="Search published processes")
def search_processes(request: HttpRequest, query: Query[SearchQuery]) -> HttpResponse:
    """Newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    rows, cursor = _page(selectors.search_processes(_filters(query)), "updated", query)
    return _json(
        {
            "items": [
                {
                    "ocid": p.ocid,
                    "title": p.title,
                    "buyer": p.buyer,
                    "method": p.method,
                    "status": p.status,
                    "cpv": p.cpv,
                    "value": None if p.value is None else str(p.value),
                    "currency": p.currency,
                    "updated": p.updated.isoformat(),
                    "withheld": [w.get("id") for w in p.withheld if w.get("status") == "withheld"],
                    "record": packages.public_url(reverse("api-1.0.0:ocds-record", args=[p.ocid])),
                }
                for p in rows
            ],
            "next_cursor": cursor,
        }
    )


@router.get("/contracts", auth=None, summary="Search published contracts")
def search_contracts(request: HttpRequest, query: Query[SearchQuery]) -> HttpResponse:
    """Latest signed first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    rows, cursor = _page(selectors.search_contracts(_filters(query)), "signed", query)
    return _json(
        {
            "items": [
                {
                    "ocid": c.process.ocid,
                    "contract_id": c.contract_id,
                    "title": c.title,
                    "buyer": c.buyer,
                    "supplier": c.supplier,
                    "cpv": c.cpv,
                    "status": c.status,
                    "value": None if c.value is None else str(c.value),
                    "currency": c.currency,
                    "signed": c.signed.isoformat() if c.signed else None,
                }
                for c in rows
            ],
            "next_cursor": cursor,
        }
    )


@router.get("/withheld", auth=None, summary="What is held back, until when, and why")
def withheld(request: HttpRequest) -> HttpResponse:
    return _json(
        [
            {
                "ocid": h.ocid,
                "held_releases": h.held_releases,
                "held_until": h.held_until.isoformat() if h.held_until else None,
                "held_until_event": h.held_until_event or None,
                "reason": h.reason,
                "withheld_fields": [
                    {**w, "until": w["until"].isoformat() if w["until"] else None}
                    for w in h.withheld
                ],
            }
            for h in selectors.held_back()
        ]
    )


@router.get("/aggregates", auth=None, summary="Classified procurement, in aggregate only")
def aggregates(request: HttpRequest) -> HttpResponse:
    """Contracts whose level the policy limits to aggregates: count and total per year, CPV
    division and currency; cells under the minimum size are suppressed (null)."""
    return _json(
        {
            "minimum_cell": selectors.MIN_CELL,
            "cells": [
                {
                    "year": c.year,
                    "cpv_division": c.cpv_division,
                    "currency": c.currency,
                    "contracts": c.contracts,
                    "total": None if c.total is None else str(c.total),
                }
                for c in selectors.classified_aggregates()
            ],
        }
    )


@router.get("/bulk", auth=None, summary="Bulk files (regenerated by `spilno ocds export`)")
def bulk_files(request: HttpRequest) -> HttpResponse:
    return _json(
        [
            {
                **f,
                "modified": f["modified"].isoformat(),
                "url": packages.public_url(reverse("api-1.0.0:ocds-bulk-file", args=[f["name"]])),
            }
            for f in selectors.bulk_files()
        ]
    )


@router.get("/bulk/{name}", auth=None, url_name="ocds-bulk-file", summary="One bulk file")
def bulk_file(request: HttpRequest, name: str) -> FileResponse:
    if name not in {f["name"] for f in selectors.bulk_files()}:
        raise Http404("No such bulk file.")
    path = Path(settings.SPILNO_BULK_DIR) / name
    if not path.is_file():
        raise Http404("No such bulk file.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


# --- disclosure policy --------------------------------------------------------------------------
class RuleOut(Schema):
    level: str
    mode: str
    delay_days: int
    delay_event: str
    withheld_fields: list[str]
    withhold_days: int
    withhold_event: str
    reason_en: str
    reason_uk: str
    updated_at: dt.datetime


class RuleChange(Schema):
    mode: str | None = None
    delay_days: int | None = None
    delay_event: str | None = None
    withheld_fields: list[str] | None = None
    withhold_days: int | None = None
    withhold_event: str | None = None
    reason_en: str | None = None
    reason_uk: str | None = None


def _rule_out(rule: DisclosureRule) -> dict[str, Any]:
    return {
        "level": Level(rule.level).name,
        "mode": rule.mode,
        "delay_days": rule.delay_days,
        "delay_event": rule.delay_event,
        "withheld_fields": list(rule.withheld_fields),
        "withhold_days": rule.withhold_days,
        "withhold_event": rule.withhold_event,
        "reason_en": rule.reason_en,
        "reason_uk": rule.reason_uk,
        "updated_at": rule.updated_at,
    }


def _level(name: str) -> int:
    try:
        return int(Level[name.upper()])
    except KeyError as exc:
        raise Http404(f"No classification level {name!r}.") from exc


@policy_router.get("/policy", auth=None, response=list[RuleOut], summary="The disclosure policy")
def policy(request: HttpRequest) -> list[dict[str, Any]]:
    """Public: anyone may read what is published when, and what is withheld and why.
    ``withheld_fields`` are keys of ``/transparency/withholdable``."""
    ensure_default_policy()
    return [_rule_out(rule) for rule in DisclosureRule.objects.order_by("level")]


@policy_router.get("/withholdable", auth=None, summary="Fields a rule may withhold")
def withholdable(request: HttpRequest) -> dict[str, Any]:
    return {key: {"name": str(w.name), "paths": list(w.paths)} for key, w in WITHHOLDABLE.items()}


@policy_router.patch("/policy/{level}", response=RuleOut, summary="Change one level's rule")
def change_policy(request: HttpRequest, level: str, payload: RuleChange) -> dict[str, Any]:
    """Administrators only. Applies to releases written from now on; audited."""
    require(request.user, "transparency.policy.change")
    changes = payload.dict(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise ValidationError(dict.fromkeys(nulls, "This field cannot be null."))
    return _rule_out(update_rule(actor=request.user, level=_level(level), changes=changes))
