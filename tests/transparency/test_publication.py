"""Releases follow every public change of a tender, award, contract and delivery, under the
disclosure policy: at once, held, with fields withheld, or only in aggregate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.core.exceptions import ValidationError

from spilno.audit.models import AuditEntry
from spilno.kernel.access import AccessDenied, SystemActor
from spilno.kernel.classification import Level
from spilno.procurement.models import Contract
from spilno.procurement.services.bids import open_bids
from spilno.procurement.services.deliveries import (
    accept_delivery,
    receive_delivery,
    schedule_delivery,
    ship_delivery,
)
from spilno.procurement.services.evaluation import decide_awards, qualify_bid
from spilno.procurement.services.tenders import cancel_tender
from spilno.transparency import releases, selectors
from spilno.transparency.models import Process, PublicContract, PublicProcess, Release
from spilno.transparency.services.policy import update_rule
from spilno.transparency.services.publication import publish_due, release_withheld_due, tick
from tests.procurement.conftest import (
    Travel,
    World,
    awarded_tender,
    bid,
    draft_tender,
    past_deadline,
    signed_contracts,
    tender_in_tendering,
)
from tests.transparency.conftest import releases_of, schema_errors

pytestmark = pytest.mark.django_db


def deliver_everything(world: World, travel: Travel, contract: Contract) -> None:
    lines = [(item, item.quantity) for item in contract.items.all()]
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=travel().date() + dt.timedelta(days=20),
        lines=lines,
        place="Depot 7, Lviv oblast",
    )
    rep = world.reps[world.suppliers.index(contract.supplier)]
    ship_delivery(actor=rep, delivery=delivery)
    receive_delivery(actor=world.officer, delivery=delivery)
    accept_delivery(actor=world.officer, delivery=delivery)


def test_a_public_tender_is_published_stage_by_stage_and_every_release_is_schema_valid(
    world: World, travel: Travel
) -> None:
    tender = draft_tender(world)
    assert releases_of(tender) == []  # a draft is the buyer's own
    tender = tender_in_tendering(world, travel)
    assert [r.tags for r in releases_of(tender)] == [["tender"], ["tenderUpdate"]]

    bid(world, tender, 0, "1200000.00")
    bid(world, tender, 1, "1100000.00")
    assert len(releases_of(tender)) == 2  # sealed bids change nothing public
    past_deadline(travel, tender)
    for opened in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.officer, bid=opened, qualified=True, quality_score=50)
    decide_awards(actor=world.approver, tender=tender)
    [contract] = signed_contracts(world, travel, tender)
    deliver_everything(world, travel, contract)

    rows = releases_of(tender)
    tags = [r.tags for r in rows]
    assert tags[:2] == [["tender"], ["tenderUpdate"]]
    flat = [t for ts in tags for t in ts]
    for expected in ("award", "contract", "implementation", "implementationUpdate"):
        assert expected in flat
    assert "contractTermination" in flat  # OCDS closes a completed contract as terminated
    for release in rows:
        assert schema_errors(release.payload) == [], release.release_id
        assert release.payload["ocid"] == "ocds-spilno-" + tender.reference
        assert release.publish_at == release.date  # public: at once
        assert release.seq is None  # published only by the sequencer, after commit
    # Nothing of a sealed bid before opening: the releases written during tendering hold no
    # amount of any bid.
    during = [r.payload for r in rows[:2]]
    assert "1200000" not in orjson.dumps(during).decode()
    assert len({r.release_id for r in rows}) == len(rows)

    assert publish_due() == len(rows)
    assert [r.seq for r in releases_of(tender)] == list(range(1, len(rows) + 1))
    assert publish_due() == 0  # idempotent
    public = PublicProcess.objects.get(ocid=rows[0].payload["ocid"])
    assert public.status == "complete"
    assert public.compiled["contracts"][0]["statusDetails"] == "complete"
    [published_contract] = PublicContract.objects.filter(process=public)
    assert published_contract.supplier == world.suppliers[1].name_en
    assert published_contract.value == Decimal("1100000.00")


def test_each_release_creation_is_an_audited_publication_decision(
    world: World, travel: Travel
) -> None:
    tender = tender_in_tendering(world, travel)
    decisions = AuditEntry.objects.filter(action="transparency.release.create")
    assert decisions.count() == len(releases_of(tender)) == 2
    entry = decisions.order_by("pk").last()
    assert entry is not None
    assert entry.after["rule"] == "publish"
    assert entry.after["withheld"] == []


def test_the_release_commits_or_fails_with_its_change(
    world: World, travel: Travel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox is written in the command's transaction: if the release cannot be written,
    the change itself does not happen (and no audit entry remains)."""
    tender = tender_in_tendering(world, travel)
    before = (Release.objects.count(), AuditEntry.objects.count())

    def broken(_: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(releases, "build", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        cancel_tender(actor=world.officer, tender=tender, reason="Requirement withdrawn.")
    tender.refresh_from_db()
    assert tender.status == "active.tendering"
    assert (Release.objects.count(), AuditEntry.objects.count()) == before


def test_a_restricted_tender_is_held_until_its_award_plus_delay_then_published_with_fields_withheld(
    world: World, travel: Travel
) -> None:
    tender = awarded_tender(world, travel, "900000.00", classification=Level.RESTRICTED)
    rows = releases_of(tender)
    assert rows, "releases are written even when held"
    assert publish_due() == 0  # nothing restricted is out before its time
    tender_stage = [r for r in rows if "award" not in r.tags]
    assert all(r.publish_at is not None for r in rows), "the award fixed every date"
    awarded_at = Process.objects.get(tender=tender).awarded_at
    assert awarded_at is not None
    assert {r.publish_at for r in tender_stage} == {awarded_at + dt.timedelta(days=30)}
    held = selectors.held_back()
    assert [h.ocid for h in held] == [rows[0].payload["ocid"]]
    assert held[0].held_releases == len(rows)
    assert "title" not in str(held[0].__dict__).lower()

    travel.to(awarded_at + dt.timedelta(days=30, seconds=1))
    assert tick()["releases published"] == len(rows)
    payload = Release.objects.filter(process__tender=tender).order_by("-seq")[0].payload
    assert schema_errors(payload) == []
    items = payload["tender"]["items"]
    assert all("quantity" not in i and "deliveryAddress" not in i for i in items)
    withheld = {w["id"]: w for w in payload["withheldInformation"]}
    assert set(withheld) == {"items.quantity", "items.deliveryAddress", "documents"}
    assert all(w["status"] == "withheld" for w in withheld.values())
    assert "contract complete" in withheld["items.quantity"]["availabilityDescription"]
    assert AuditEntry.objects.filter(action="transparency.release.publish_held").count() == len(
        rows
    )


def test_withheld_fields_are_published_by_themselves_when_their_date_comes(
    world: World, travel: Travel
) -> None:
    update_rule(
        actor=SystemActor(),
        level=Level.RESTRICTED,
        changes={"delay_days": 0, "withhold_days": 10},
    )
    tender = awarded_tender(world, travel, "900000.00", classification=Level.RESTRICTED)
    [contract] = signed_contracts(world, travel, tender)
    deliver_everything(world, travel, contract)
    process = Process.objects.get(tender=tender)
    assert process.completed_at is not None
    publish_due()
    assert release_withheld_due() == 0  # not yet: 10 days after completion
    travel.by(days=10, seconds=1)
    assert release_withheld_due() == 3
    release_withheld_due()  # idempotent
    last = releases_of(tender)[-1]
    assert last.tags == ["contractUpdate"]
    assert all(w["status"] == "released" for w in last.payload["withheldInformation"])
    assert last.payload["tender"]["items"][0]["quantity"] == 1000
    assert schema_errors(last.payload) == []
    assert AuditEntry.objects.filter(action="transparency.withholding.release").count() == 1


def test_confidential_procurement_is_never_released_only_aggregated(
    world: World, travel: Travel
) -> None:
    tender = awarded_tender(world, travel, "900000.00", classification=Level.CONFIDENTIAL)
    assert releases_of(tender) == []
    assert AuditEntry.objects.filter(action="transparency.release.aggregate_only").exists()
    signed_contracts(world, travel, tender)
    [cell] = selectors.classified_aggregates()
    assert cell.contracts is None
    assert cell.total is None


def test_policy_changes_are_validated_audited_and_admin_only(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        update_rule(
            actor=SystemActor(),
            level=Level.RESTRICTED,
            changes={"withheld_fields": ["items.price"], "delay_days": -1, "mode": "sometimes"},
        )
    assert set(caught.value.message_dict) == {"withheld_fields", "delay_days", "mode"}
    with pytest.raises(AccessDenied):
        update_rule(actor=world.officer, level=Level.RESTRICTED, changes={"delay_days": 1})
    with pytest.raises(ValidationError):
        update_rule(actor=SystemActor(), level=Level.PUBLIC, changes={"mode": "aggregate"})
    assert not AuditEntry.objects.filter(action="transparency.policy.change").exists()
    update_rule(actor=SystemActor(), level=Level.RESTRICTED, changes={"delay_days": 7})
    entry = AuditEntry.objects.get(action="transparency.policy.change")
    assert (entry.before["delay_days"], entry.after["delay_days"]) == (30, 7)
