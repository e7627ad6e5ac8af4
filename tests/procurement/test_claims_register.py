"""Resolving non-conformance claims; suspending and revoking register entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.kernel.access import AccessDenied
from spilno.procurement.models import Contract, NonConformanceClaim
from spilno.procurement.services.bids import open_bids
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import sign_contract
from spilno.procurement.services.deliveries import (
    receive_delivery,
    reject_delivery,
    resolve_claim,
    schedule_delivery,
    ship_delivery,
)
from spilno.procurement.services.evaluation import decide_awards, qualify_bid
from spilno.procurement.services.tenders import (
    change_qualification,
    is_register_qualified,
    qualify_supplier,
)
from tests.helpers import audit_count
from tests.procurement.conftest import Travel, World, bid, tender_in_tendering

pytestmark = pytest.mark.django_db


def _active_contract(world: World, travel: Travel) -> Contract:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "1000.00")
    travel.by(days=9)
    tick()
    for b in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.officer, bid=b, qualified=True)
    decide_awards(actor=world.approver, tender=tender)
    travel.by(days=6)
    tick()
    contract = Contract.objects.get(tender=tender)
    sign_contract(actor=world.officer, contract=contract, side="buyer")
    return sign_contract(actor=world.reps[0], contract=contract, side="supplier")


def test_a_rejection_claim_is_resolved_once(world: World, travel: Travel) -> None:
    contract = _active_contract(world, travel)
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=travel.now.date() + dt.timedelta(days=10),
        lines=[(contract.items.get(), Decimal(10))],
    )
    ship_delivery(actor=world.reps[0], delivery=delivery)
    receive_delivery(actor=world.officer, delivery=delivery)
    reject_delivery(actor=world.officer, delivery=delivery, reason="Wrong calibre.")
    claim = NonConformanceClaim.objects.get(delivery=delivery)
    assert (claim.kind, claim.status) == ("rejected", "open")

    with pytest.raises(AccessDenied):
        resolve_claim(actor=world.reps[0], claim=claim, resolution="We say it is fine.")
    with pytest.raises(ValidationError, match="how the claim was resolved"):
        resolve_claim(actor=world.officer, claim=claim, resolution="  ")
    before = audit_count()
    resolved = resolve_claim(actor=world.officer, claim=claim, resolution="Replaced at no cost.")
    assert (resolved.status, resolved.resolution) == ("resolved", "Replaced at no cost.")
    assert audit_count() == before + 1
    with pytest.raises(ValidationError, match="already resolved"):
        resolve_claim(actor=world.officer, claim=claim, resolution="Again.")


def test_a_suspended_supplier_is_no_longer_qualified(world: World, travel: Travel) -> None:
    supplier = world.suppliers[1]
    entry = qualify_supplier(
        actor=world.approver,
        buyer=world.buyer,
        supplier=supplier,
        cpv="35330000-6",
        valid_until=travel.now.date() + dt.timedelta(days=100),
    )
    today = travel.now.date()
    assert is_register_qualified(supplier, ["35331200-5"], today)
    change_qualification(
        actor=world.approver, buyer=world.buyer, entry=entry, status="suspended", reason="Audit."
    )
    assert not is_register_qualified(supplier, ["35331200-5"], today)
    change_qualification(
        actor=world.approver, buyer=world.buyer, entry=entry, status="active", reason="Cleared."
    )
    assert is_register_qualified(supplier, ["35331200-5"], today)
    change_qualification(
        actor=world.approver, buyer=world.buyer, entry=entry, status="revoked", reason="Fraud."
    )
    with pytest.raises(ValidationError, match="cannot change again"):
        change_qualification(
            actor=world.approver, buyer=world.buyer, entry=entry, status="active", reason="?"
        )
    with pytest.raises(ValidationError, match="Unknown status"):
        change_qualification(
            actor=world.approver, buyer=world.buyer, entry=entry, status="gone", reason="?"
        )


def test_a_claim_is_resolved_from_the_contract_page(world: World, travel: Travel) -> None:
    from django.test import Client

    contract = _active_contract(world, travel)
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=travel.now.date(),
        lines=[(contract.items.get(), Decimal(10))],
    )
    ship_delivery(actor=world.reps[0], delivery=delivery)
    travel.by(days=3)
    receive_delivery(actor=world.officer, delivery=delivery)
    claim = NonConformanceClaim.objects.get(delivery=delivery, kind="late")
    page = f"/procurement/contracts/{contract.pk}/"
    url = f"{page}claims/{claim.pk}/resolve/"
    supplier = Client()
    supplier.force_login(world.reps[0])
    assert url.encode() not in supplier.get(page).content
    assert supplier.post(url, {f"resolve-{claim.pk}-resolution": "x"}).status_code == 403
    officer = Client()
    officer.force_login(world.officer)
    assert url.encode() in officer.get(page).content
    empty = officer.post(url, {f"resolve-{claim.pk}-resolution": ""})
    assert empty.status_code == 422
    claim.refresh_from_db()
    assert claim.status == "open"
    response = officer.post(url, {f"resolve-{claim.pk}-resolution": "Penalty of 0.1% per day."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.resolution) == ("resolved", "Penalty of 0.1% per day.")
