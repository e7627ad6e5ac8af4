"""Publication: releases into the outbox, the sequencer that publishes them, withheld fields.

1. :func:`on_command_finished` runs at the end of every procurement command, inside its
   transaction (``kernel.units``): each tender the command touched is rebuilt, compared with its
   last build, and if anything changed a release is written to the outbox under the disclosure
   rule of the process's level. The decision (published at once, held, withheld fields,
   aggregates only) is an audit entry of the same transaction.
2. :func:`publish_due` gives feed sequence numbers to committed releases whose time has come, in
   one short transaction under the feed counter's lock, and refreshes the public view. It runs
   after each commit and on every chronograph tick.
3. :func:`release_withheld_due` publishes withheld fields by themselves when their date comes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from spilno.audit.services import record
from spilno.kernel import clock
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from spilno.kernel.units import command_finished
from spilno.procurement.models import (
    Amendment,
    Award,
    Complaint,
    Contract,
    Delivery,
    Item,
    Lot,
    NonConformanceClaim,
    Question,
    Tender,
    TenderDocument,
)
from spilno.procurement.states import ContractStatus
from spilno.transparency import releases
from spilno.transparency.disclosure import WITHHOLDABLE, describe_wait, event_time, rule_for
from spilno.transparency.models import (
    DisclosureMode,
    DisclosureRule,
    FeedCounter,
    Process,
    Release,
    Withholding,
)
from spilno.transparency.services.projection import refresh_public

# Which audited objects belong to which tender (object id → tender id).
_TENDER_OF = {
    "procurement.tender": lambda pk: [pk],
    "procurement.lot": lambda pk: Lot.objects.filter(pk=pk).values_list("tender_id", flat=True),
    "procurement.item": lambda pk: Item.objects.filter(pk=pk).values_list(
        "lot__tender_id", flat=True
    ),
    "procurement.tenderdocument": lambda pk: TenderDocument.objects.filter(pk=pk).values_list(
        "tender_id", flat=True
    ),
    "procurement.question": lambda pk: Question.objects.filter(pk=pk).values_list(
        "tender_id", flat=True
    ),
    "procurement.award": lambda pk: Award.objects.filter(pk=pk).values_list("tender_id", flat=True),
    "procurement.complaint": lambda pk: Complaint.objects.filter(pk=pk).values_list(
        "tender_id", flat=True
    ),
    "procurement.contract": lambda pk: Contract.objects.filter(pk=pk).values_list(
        "tender_id", flat=True
    ),
    "procurement.amendment": lambda pk: Amendment.objects.filter(pk=pk).values_list(
        "contract__tender_id", flat=True
    ),
    "procurement.delivery": lambda pk: Delivery.objects.filter(pk=pk).values_list(
        "contract__tender_id", flat=True
    ),
    "procurement.nonconformanceclaim": lambda pk: NonConformanceClaim.objects.filter(
        pk=pk
    ).values_list("delivery__contract__tender_id", flat=True),
}


def tenders_changed(changes: Iterable[tuple[str, str]]) -> list[int]:
    """The tenders behind a command's audited changes (bids never: they are sealed)."""
    found: dict[int, None] = {}
    for object_type, object_id in changes:
        lookup = _TENDER_OF.get(object_type)
        if lookup is None or not object_id.isdigit():
            continue
        for tender_id in lookup(int(object_id)):
            found[int(tender_id)] = None
    return list(found)


@receiver(command_finished)
def on_command_finished(sender: Any, changes: tuple[tuple[str, str], ...], **_: Any) -> None:
    published = False
    for tender_id in tenders_changed(changes):
        release = publish_tender(tender_id)
        published |= release is not None and release.publish_at is not None
    if published:
        transaction.on_commit(publish_due)


def process_level(tender: Tender) -> int:
    """A process is as classified as the most classified of its tender and contracts."""
    levels = list(Contract.objects.filter(tender=tender).values_list("classification", flat=True))
    return max([tender.classification, *levels])


def _note_events(process: Process, tender: Tender, now: dt.datetime) -> list[str]:
    """Record when the process first reached each event; return the events reached now."""
    reached = []
    if process.awarded_at is None and tender.awards.exists():
        process.awarded_at = now
        reached.append("award")
    contracts = list(Contract.objects.filter(tender=tender).values_list("status", flat=True))
    signed = {ContractStatus.ACTIVE, ContractStatus.COMPLETE, ContractStatus.TERMINATED}
    if process.signed_at is None and any(status in signed for status in contracts):
        process.signed_at = now
        reached.append("contract_signed")
    closed = {ContractStatus.COMPLETE, ContractStatus.TERMINATED}
    if (
        process.completed_at is None
        and contracts
        and all(status in closed for status in contracts)
        and tender.status in ("complete", "cancelled", "unsuccessful")
    ):
        process.completed_at = now
        reached.append("contract_complete")
    return reached


def _after(anchor: dt.datetime | None, days: int) -> dt.datetime | None:
    return None if anchor is None else anchor + dt.timedelta(days=days)


def _withholdings(process: Process, rule: DisclosureRule, now: dt.datetime) -> list[Withholding]:
    """The process's withholdings, creating those the rule asks for (once per field)."""
    existing = {w.field: w for w in process.withholdings.all()}
    if rule.mode != DisclosureMode.AGGREGATE:
        for field in rule.withheld_fields:
            if field in existing or field not in WITHHOLDABLE:
                continue
            anchor = event_time(process, rule.withhold_event) if rule.withhold_event else now
            existing[field] = Withholding.objects.create(
                process=process,
                field=field,
                reason=rule.reason_en or str(WITHHOLDABLE[field].name),
                reason_uk=rule.reason_uk,
                release_at=_after(anchor, rule.withhold_days),
                release_event=rule.withhold_event,
                release_days=rule.withhold_days,
                created_at=now,
            )
    for withholding in existing.values():
        if withholding.release_at is None and withholding.released_at is None:
            anchor = event_time(process, withholding.release_event)
            if anchor is not None:
                withholding.release_at = _after(anchor, withholding.release_days)
                withholding.save(update_fields=["release_at"])
    return sorted(existing.values(), key=lambda w: w.field)


def withheld_information(withholdings: list[Withholding]) -> list[dict[str, Any]]:
    """OCDS ``withheldInformation`` (as in OCDS 1.2), with when each field will be published."""
    entries = []
    for w in withholdings:
        spec = WITHHOLDABLE.get(w.field)
        entry: dict[str, Any] = {
            "id": w.field,
            "field": spec.paths[0] if spec else w.field,
            "paths": list(spec.paths) if spec else [w.field],
            "name": str(spec.name) if spec else w.field,
            "justification": w.reason,
            "status": "released" if w.released_at else "withheld",
        }
        if w.released_at:
            entry["releasedDate"] = releases.ocds_time(w.released_at)
        elif w.release_at:
            entry["availabilityDate"] = releases.ocds_time(w.release_at)
        else:
            entry["availabilityDescription"] = describe_wait(w.release_days, w.release_event)
        entries.append(entry)
    return entries


def publish_tender(
    tender_id: int, *, force_tag: str | None = None, actor: Any = None
) -> Release | None:
    """Write a release for the tender if anything public about it changed (inside the caller's
    transaction). Returns the release, or None when nothing is to be released."""
    tender = Tender.objects.get(pk=tender_id)
    if tender.status in releases.UNPUBLISHED_STATUSES:
        return None
    now = clock.now()
    level = process_level(tender)
    process, _ = Process.objects.get_or_create(
        tender=tender, defaults={"ocid": releases.ocid_for(tender), "level": level}
    )
    process = Process.objects.select_for_update().get(pk=process.pk)
    reached = _note_events(process, tender, now)
    body = releases.build(tender)
    tags = releases.tags_for(process.snapshot, body)
    if not tags and force_tag:
        tags = [force_tag]
    process.level = level
    rule = rule_for(level)
    if not tags:
        process.save()
        _schedule_held(process, reached)
        return None
    process.snapshot = body
    if rule.mode == DisclosureMode.AGGREGATE:
        process.save()
        record(
            actor=actor or SystemActor(),
            action="transparency.release.aggregate_only",
            obj=process,
            object_repr=process.ocid,
            after={"tags": tags, "level": Level(level).name, "rule": rule.mode},
            classification=level,
        )
        return None
    withholdings = _withholdings(process, rule, now)
    withheld = {w.field for w in withholdings if w.released_at is None}
    process.releases += 1
    release_id = f"{process.ocid}-{process.releases:04d}"
    payload: dict[str, Any] = {
        "ocid": process.ocid,
        "id": release_id,
        "date": releases.ocds_time(now),
        "tag": tags,
        **{k: v for k, v in releases.withhold(body, withheld).items() if k != "ocid"},
    }
    if withholdings:
        payload["withheldInformation"] = withheld_information(withholdings)
    publish_at, hold_event = _schedule(process, rule, now)
    release = Release.objects.create(
        process=process,
        release_id=release_id,
        date=now,
        tags=tags,
        payload=payload,
        level=level,
        publish_at=publish_at,
        hold_event=hold_event,
    )
    process.save()
    _schedule_held(process, reached)
    record(
        actor=actor or SystemActor(),
        action="transparency.release.create",
        obj=release,
        object_repr=release_id,
        after={
            "tags": tags,
            "level": Level(level).name,
            "rule": rule.mode,
            "publish_at": publish_at,
            "held_until_event": hold_event,
            "withheld": sorted(withheld),
        },
        classification=level,
    )
    return release


def _schedule(
    process: Process, rule: DisclosureRule, now: dt.datetime
) -> tuple[dt.datetime | None, str]:
    """When a new release of the process may be published (None: at an event not yet reached)."""
    if rule.mode == DisclosureMode.PUBLISH:
        return now, ""
    if rule.delay_event:
        anchor = event_time(process, rule.delay_event)
        if anchor is None:
            return None, rule.delay_event
    else:
        anchor = now
    return max(anchor + dt.timedelta(days=rule.delay_days), now), ""


def _schedule_held(process: Process, reached: list[str]) -> None:
    """Releases waiting for an event the process has just reached get their date."""
    for event in reached:
        anchor = event_time(process, event)
        days = rule_for(process.level).delay_days
        for held in Release.objects.filter(process=process, hold_event=event, seq__isnull=True):
            held.publish_at = _after(anchor, days)
            held.hold_event = ""
            held.save(update_fields=["publish_at", "hold_event"])


def publish_due(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Give the next feed numbers to every committed release whose time has come; refresh the
    public view of their processes. Returns how many were published."""
    now = now or clock.now()
    total = 0
    while True:
        with transaction.atomic():
            counter, _ = FeedCounter.objects.get_or_create(pk=1)
            counter = FeedCounter.objects.select_for_update().get(pk=1)
            due = list(
                Release.objects.filter(seq__isnull=True, publish_at__lte=now)
                .select_related("process")
                .order_by("publish_at", "pk")[:batch]
            )
            if not due:
                return total
            for release in due:
                counter.last_seq += 1
                release.seq = counter.last_seq
                release.published_at = now
                release.save(update_fields=["seq", "published_at"])
                if release.publish_at and release.publish_at > release.date:
                    record(
                        actor=SystemActor(),
                        action="transparency.release.publish_held",
                        obj=release,
                        object_repr=release.release_id,
                        after={"seq": release.seq, "held_from": release.date},
                        classification=Level.PUBLIC,
                    )
            counter.save(update_fields=["last_seq"])
            for process_id in sorted({r.process_id for r in due}):
                refresh_public(process_id)
        total += len(due)


def release_withheld_due(now: dt.datetime | None = None) -> int:
    """Publish every withheld field whose date has come, one release per process."""
    now = now or clock.now()
    due = (
        Withholding.objects.filter(released_at__isnull=True, release_at__lte=now)
        .values_list("process_id", flat=True)
        .distinct()
    )
    count = 0
    for process_id in sorted(set(due)):
        with transaction.atomic():
            process = Process.objects.select_for_update().get(pk=process_id)
            fields = list(
                Withholding.objects.filter(
                    process=process, released_at__isnull=True, release_at__lte=now
                )
            )
            if not fields:
                continue
            for withholding in fields:
                withholding.released_at = now
                withholding.save(update_fields=["released_at"])
            record(
                actor=SystemActor(),
                action="transparency.withholding.release",
                obj=process,
                object_repr=process.ocid,
                after={"fields": sorted(w.field for w in fields)},
                classification=process.level,
            )
            publish_tender(process.tender_id, force_tag=releases.stage_update_tag(process.snapshot))
            count += len(fields)
    return count


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """The transparency part of the chronograph: withheld fields due, then releases due."""
    now = now or clock.now()
    released = release_withheld_due(now)
    published = publish_due(now)
    return {"withheld fields published": released, "releases published": published}
