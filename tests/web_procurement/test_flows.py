"""The other paths through the pages: single-source awards, documents, the supplier register,
framework call-offs, cancellation, amendments, termination and rejected deliveries."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from spilno.accounts.models import User
from spilno.kernel import clock
from spilno.procurement.models import Contract, SupplierQualification, Tender
from spilno.procurement.services.bids import open_bids
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import sign_contract
from spilno.procurement.services.deliveries import (
    receive_delivery,
    schedule_delivery,
    ship_delivery,
)
from spilno.procurement.services.evaluation import decide_awards, qualify_bid
from spilno.procurement.services.tenders import approve_plan, publish_tender
from tests.procurement.conftest import Travel, World, bid, draft_tender, tender_in_tendering

pytestmark = pytest.mark.django_db

Clients = Callable[[User], Client]


def signed(world: World, travel: Travel, tender: Tender) -> list[Contract]:
    tender.refresh_from_db()
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end + dt.timedelta(minutes=1))
    tick()
    contracts = list(Contract.objects.filter(tender=tender).order_by("pk"))
    for contract in contracts:
        sign_contract(actor=world.officer, contract=contract, side="buyer")
        rep = world.reps[world.suppliers.index(contract.supplier)]
        sign_contract(actor=rep, contract=contract, side="supplier")
    return [Contract.objects.get(pk=c.pk) for c in contracts]


def awarded(world: World, travel: Travel, *amounts: str, **fields: object) -> Tender:
    tender = tender_in_tendering(world, travel, **fields)
    for index, amount in enumerate(amounts):
        bid(world, tender, index, amount)
    assert tender.tender_end is not None
    travel.to(tender.tender_end + dt.timedelta(seconds=1))
    for b in open_bids(actor=world.officer, tender=tender):
        qualify_bid(actor=world.officer, bid=b, qualified=True)
    decide_awards(actor=world.approver, tender=tender)
    return tender


def test_a_negotiated_award_takes_a_price_per_lot(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = draft_tender(
        world, method="negotiated", justification="Sole producer.", supplier=world.suppliers[0]
    )
    approve_plan(actor=world.approver, plan=world.plan)
    url = f"/procurement/tenders/{tender.pk}/"
    response = client_for(world.drafter).post(url + "publish/", {})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == "active.evaluation"
    approver = client_for(world.approver)
    lot = tender.lots.get()
    page = approver.get(url).content.decode()
    assert f'name="award-lot_{lot.pk}"' in page
    assert "Bids are sealed" not in page  # no bidding in this method
    response = approver.post(url + "award/", {f"award-lot_{lot.pk}": "12.345"})
    assert response.status_code == 422
    assert f'id="id_award-lot_{lot.pk}_error"' in response.content.decode()
    assert not tender.awards.exists()
    response = approver.post(url + "award/", {f"award-lot_{lot.pk}": "1450000.00"})
    assert response.status_code == 302
    award = tender.awards.get()
    assert (award.supplier, award.amount) == (world.suppliers[0], Decimal("1450000.00"))


def test_documents_are_uploaded_with_their_sha256(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = draft_tender(world)
    drafter = client_for(world.drafter)
    url = f"/procurement/tenders/{tender.pk}/"
    content = b"Technical specification, rev. 3\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("spec.txt", content, content_type="text/plain")
    response = drafter.post(
        url + "documents/", {"document-title": "Specification", "document-file": upload}
    )
    assert response.status_code == 302
    digest = hashlib.sha256(content).hexdigest()
    # A draft is the buyer's own: its colleagues read it, suppliers do not see it yet.
    page = client_for(world.officer).get(url).content.decode()
    assert digest in page
    document = tender.documents.get()
    assert client_for(world.reps[0]).get(url).status_code == 404
    download = client_for(world.officer).get(url + f"documents/{document.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content  # type: ignore[attr-defined]
    response = drafter.post(url + "documents/", {"document-title": "No file"})
    assert response.status_code == 422
    assert 'id="id_document-file_error"' in response.content.decode()
    assert tender.documents.count() == 1


def test_the_supplier_register_and_a_suppliers_record(
    world: World, travel: Travel, client_for: Clients
) -> None:
    officer = client_for(world.officer)
    page = officer.get("/procurement/suppliers/").content.decode()
    assert "Qualify a supplier" in page
    assert (
        "Qualify a supplier"
        not in client_for(world.reps[0]).get("/procurement/suppliers/").content.decode()
    )
    data = {
        "qualify-buyer": world.buyer.pk,
        "qualify-supplier": world.suppliers[1].pk,
        "qualify-cpv": "35300000-7",
        "qualify-valid_until": (clock.today() - dt.timedelta(days=1)).isoformat(),
        "qualify-reason": "Audited plant.",
    }
    response = officer.post("/procurement/suppliers/qualify/", data)
    assert response.status_code == 422
    assert 'id="id_qualify-valid_until_error"' in response.content.decode()
    assert not SupplierQualification.objects.exists()
    until = (clock.today() + dt.timedelta(days=365)).isoformat()
    response = officer.post(
        "/procurement/suppliers/qualify/", {**data, "qualify-valid_until": until}
    )
    assert response.status_code == 302
    assert "35300000-7" in officer.get("/procurement/suppliers/?q=Bravo").content.decode()
    page = officer.get(f"/procurement/suppliers/{world.suppliers[1].pk}/").content.decode()
    assert "35300000-7" in page
    assert "Audited plant." in page


def test_a_framework_agreement_takes_call_offs(
    world: World, travel: Travel, client_for: Clients
) -> None:
    now = clock.now()
    tender = awarded(
        world,
        travel,
        "900000.00",
        "950000.00",
        method="framework",
        max_awards=2,
        enquiry_end=now + dt.timedelta(days=4),
        tender_end=now + dt.timedelta(days=15),
    )
    frameworks = signed(world, travel, tender)
    assert [c.kind for c in frameworks] == ["framework", "framework"]
    framework = frameworks[0]
    officer = client_for(world.officer)
    url = f"/procurement/contracts/{framework.pk}/"
    page = officer.get(url).content.decode()
    assert "Order under this framework" in page
    assert "Schedule a delivery" not in page
    item = framework.items.get()
    response = officer.post(
        url + "call-offs/", {"calloff-value": "100000", f"calloff-item_{item.pk}": "2000"}
    )
    assert response.status_code == 422  # more than the framework holds
    assert f'id="id_calloff-item_{item.pk}_error"' in response.content.decode()
    response = officer.post(
        url + "call-offs/", {"calloff-value": "100000", f"calloff-item_{item.pk}": "100"}
    )
    assert response.status_code == 302
    order = Contract.objects.get(framework=framework)
    assert (order.kind, order.value) == ("call_off", Decimal("100000.00"))
    assert order.reference in officer.get(url).content.decode()
    assert officer.get(f"/procurement/contracts/{order.pk}/").status_code == 200


def test_cancelling_a_tender_needs_a_reason(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = tender_in_tendering(world, travel)
    officer = client_for(world.officer)
    url = f"/procurement/tenders/{tender.pk}/"
    response = officer.post(url + "cancel/", {"cancel-reason": ""})
    assert response.status_code == 422
    assert 'id="id_cancel-reason_error"' in response.content.decode()
    response = officer.post(url + "cancel/", {"cancel-reason": "The need has gone."})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == "cancelled"
    assert "The need has gone." in officer.get(url).content.decode()


def test_amend_reject_and_terminate_a_contract(
    world: World, travel: Travel, client_for: Clients
) -> None:
    [contract] = signed(world, travel, awarded(world, travel, "1000000.00"))
    officer = client_for(world.officer)
    url = f"/procurement/contracts/{contract.pk}/"
    response = officer.post(
        url + "amend/", {"amend-reason": "Price index.", "amend-value_change": "-2000000"}
    )
    assert response.status_code == 422
    assert 'id="id_amend-value_change_error"' in response.content.decode()
    response = officer.post(
        url + "amend/", {"amend-reason": "Price index.", "amend-value_change": "25000"}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.value == Decimal("1025000.00")

    item = contract.items.get()
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=clock.today() + dt.timedelta(days=10),
        lines=[(item, Decimal(100))],
    )
    ship_delivery(actor=world.reps[0], delivery=delivery)
    line = delivery.lines.get()
    response = officer.post(
        url + f"deliveries/{delivery.pk}/receive/", {f"receive-{delivery.pk}-line_{line.pk}": "150"}
    )
    assert response.status_code == 422  # more than was due
    assert f'id="id_receive-{delivery.pk}-line_{line.pk}_error"' in response.content.decode()
    receive_delivery(actor=world.officer, delivery=delivery)
    response = officer.post(
        url + f"deliveries/{delivery.pk}/reject/", {f"reject-{delivery.pk}-reason": "Wrong fuzes."}
    )
    assert response.status_code == 302
    page = officer.get(url).content.decode()
    assert "Wrong fuzes." in page
    assert "Rejected delivery" in page
    assert (
        client_for(world.reps[0]).post(url + "terminate/", {"terminate-reason": "x"}).status_code
        == 403
    )
    response = officer.post(url + "terminate/", {"terminate-reason": "Supplier default."})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "terminated"
    page = client_for(world.reps[0]).get(f"/procurement/suppliers/{world.suppliers[0].pk}/")
    assert page.status_code == 200
    assert contract.reference in page.content.decode()


def test_cycle_times_page_shows_medians_and_open_tenders(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = draft_tender(world)
    approve_plan(actor=world.approver, plan=world.plan)
    travel.by(hours=12)
    publish_tender(actor=world.drafter, tender=tender)
    travel.by(days=1)
    page = client_for(world.approver).get("/procurement/cycle-times/").content.decode()
    assert tender.reference in page
    assert "Median days per stage" in page


def test_a_plan_through_the_form_and_a_tenders_terms_edited(
    world: World, travel: Travel, client_for: Clients
) -> None:
    drafter = client_for(world.drafter)
    response = drafter.post(
        "/procurement/plans/new/",
        {"buyer": world.buyer.pk, "year": 2027, "title_en": "Plan 2027", "classification": 0},
    )
    assert response.status_code == 302
    assert "Plan 2027" in drafter.get("/procurement/plans/").content.decode()
    response = drafter.post(
        "/procurement/plans/new/",
        {"buyer": world.buyer.pk, "year": 1999, "title_en": "Too old", "classification": 0},
    )
    assert response.status_code == 422
    assert 'id="id_year_error"' in response.content.decode()

    tender = draft_tender(world)
    url = f"/procurement/tenders/{tender.pk}/edit/"
    page = drafter.get(url).content.decode()
    assert 'name="enquiry_end"' in page
    assert 'name="requirements"' not in page  # the lots stay as drafted
    later = clock.now() + dt.timedelta(days=6)
    data = {
        "title_en": "Ammunition, revised",
        "award_criteria": "lowest_price",
        "weight_price": 100,
        "weight_delivery": 0,
        "weight_quality": 0,
        "max_awards": 1,
        "enquiry_end": later.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M"),
        "tender_end": "",
        "classification": 0,
    }
    response = drafter.post(url, data)
    assert response.status_code == 422
    assert 'id="id_tender_end_error"' in response.content.decode()
    response = drafter.post(
        url, {**data, "tender_end": (later + dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.title_en == "Ammunition, revised"
    assert client_for(world.reps[0]).get(url).status_code == 404  # drafts are not shown
    assert client_for(world.approver).get(url).status_code == 403  # approvers do not edit terms


def test_a_bid_document_is_sealed_with_the_bid_and_read_by_the_evaluators(
    world: World, travel: Travel, client_for: Clients
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    tender = tender_in_tendering(world, travel)
    url = f"/procurement/tenders/{tender.pk}/"
    content = b"Certificate of conformity"
    response = client_for(world.reps[0]).post(
        url + "bids/",
        {
            "bid-supplier": world.suppliers[0].pk,
            "bid-lot": tender.lots.get().pk,
            "bid-amount": "990000",
            "bid-delivery_days": 20,
            "bid-document_title": "Certificate",
            "bid-document": SimpleUploadedFile("cert.pdf", content),
            "bid-idempotency_key": "with-document",
        },
    )
    assert response.status_code == 302
    assert tender.tender_end is not None
    travel.to(tender.tender_end + dt.timedelta(seconds=1))
    [opened] = open_bids(actor=world.officer, tender=tender)
    link = url + f"bids/{opened.pk}/documents/0/"
    officer = client_for(world.officer)
    assert link in officer.get(url).content.decode()
    assert officer.get(link).content == content
    assert client_for(world.reps[0]).get(link).status_code == 200
    assert client_for(world.reps[1]).get(link).status_code == 403
    assert link not in client_for(world.reps[1]).get(url).content.decode()


def test_goods_received_before_termination_can_still_be_accepted(
    world: World, travel: Travel, client_for: Clients
) -> None:
    from spilno.procurement.services.contracts import terminate_contract

    [contract] = signed(world, travel, awarded(world, travel, "1000000.00"))
    item = contract.items.get()
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=clock.today() + dt.timedelta(days=10),
        lines=[(item, item.quantity)],
    )
    ship_delivery(actor=world.reps[0], delivery=delivery)
    receive_delivery(actor=world.officer, delivery=delivery)
    terminate_contract(actor=world.officer, contract=contract, reason="Default.")
    officer = client_for(world.officer)
    url = f"/procurement/contracts/{contract.pk}/"
    assert f"deliveries/{delivery.pk}/accept/" in officer.get(url).content.decode()
    response = officer.post(url + f"deliveries/{delivery.pk}/accept/", {})
    assert response.status_code == 302
    delivery.refresh_from_db()
    contract.refresh_from_db()
    assert (delivery.status, contract.status) == ("accepted", "terminated")
