"""The public view: each process compiled from its *published* releases only, with one row per
published contract, so the portal searches exactly what the feed has published and nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from spilno.transparency.models import Process, PublicContract, PublicProcess, Release
from spilno.transparency.ocds.merge import compile_release


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _day(value: Any) -> dt.date | None:
    moment = _time(value)
    return moment.date() if moment else None


def _amount(value: Any) -> tuple[Decimal | None, str]:
    if not isinstance(value, dict) or value.get("amount") is None:
        return None, ""
    try:
        return Decimal(str(value["amount"])), str(value.get("currency") or "")
    except InvalidOperation:
        return None, ""


def _cpv(items: Any) -> str:
    for item in items or []:
        code = (item.get("classification") or {}).get("id")
        if code:
            return str(code)[:10]
    return ""


def published_releases(process_id: int) -> list[dict[str, Any]]:
    return list(
        Release.objects.filter(process_id=process_id, seq__isnull=False)
        .order_by("seq")
        .values_list("payload", flat=True)
    )


def refresh_public(process_id: int) -> PublicProcess | None:
    """Recompile a process's public view from its published releases (inside the caller's
    transaction, the sequencer's)."""
    payloads = published_releases(process_id)
    if not payloads:
        return None
    process = Process.objects.get(pk=process_id)
    compiled = compile_release(payloads)
    tender = compiled.get("tender", {})
    value, currency = _amount(tender.get("value"))
    period = tender.get("tenderPeriod") or {}
    last = Release.objects.filter(process_id=process_id, seq__isnull=False).order_by("-seq")[0]
    public, _ = PublicProcess.objects.update_or_create(
        process=process,
        defaults={
            "ocid": process.ocid,
            "title": str(tender.get("title", ""))[:300],
            "buyer": str((compiled.get("buyer") or {}).get("name", ""))[:300],
            "method": str(tender.get("procurementMethodDetails", ""))[:40],
            "status": str(tender.get("statusDetails") or tender.get("status", ""))[:40],
            "cpv": _cpv(tender.get("items")),
            "value": value,
            "currency": currency,
            "tender_start": _time(period.get("startDate")),
            "tender_end": _time(period.get("endDate")),
            "updated": last.date,
            "last_seq": last.seq,
            "compiled": compiled,
            "withheld": compiled.get("withheldInformation", []),
        },
    )
    suppliers = {
        award.get("id"): ", ".join(s.get("name", "") for s in award.get("suppliers", []))
        for award in compiled.get("awards", [])
    }
    seen = []
    for contract in compiled.get("contracts", []):
        value, currency = _amount(contract.get("value"))
        PublicContract.objects.update_or_create(
            process=public,
            contract_id=str(contract.get("id")),
            defaults={
                "title": str(contract.get("title", ""))[:300],
                "buyer": public.buyer,
                "supplier": suppliers.get(contract.get("awardID"), "")[:300],
                "cpv": _cpv(contract.get("items")) or public.cpv,
                "status": str(contract.get("statusDetails") or contract.get("status", ""))[:40],
                "value": value,
                "currency": currency,
                "signed": _day(contract.get("dateSigned")),
                "period_end": _day((contract.get("period") or {}).get("endDate")),
            },
        )
        seen.append(str(contract.get("id")))
    PublicContract.objects.filter(process=public).exclude(contract_id__in=seen).delete()
    return public
