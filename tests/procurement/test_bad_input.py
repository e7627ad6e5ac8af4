"""Bad input and illegal moves: each is refused with its field named, and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.capabilities.services.requirements import create_requirement
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel.access import SystemActor
from spilno.kernel.classification import Level
from spilno.procurement.models import Bid, BidVersion, Contract, Tender
from spilno.procurement.services.bids import BidContent, open_bids, submit_bid, withdraw_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import amend_contract, sign_contract
from spilno.procurement.services.deliveries import (
    receive_delivery,
    schedule_delivery,
    ship_delivery,
)
from spilno.procurement.services.evaluation import decide_awards, submit_complaint
from spilno.procurement.services.tenders import (
    ItemSpec,
    LotSpec,
    approve_plan,
    create_tender,
    publish_tender,
    qualify_supplier,
)
from tests.procurement.conftest import (
    Travel,
    World,
    active_contract,
    awarded_tender,
    bid,
    draft_tender,
    error_fields,
    past_deadline,
    refused,
    tender_in_tendering,
)

pytestmark = pytest.mark.django_db


def _content(amount: str = "1000.00", currency: str = "EUR", days: int = 30) -> BidContent:
    return BidContent(Decimal(amount), currency, days)


def _submit(world: World, tender: Tender, content: BidContent, index: int = 0) -> None:
    supplier, rep = world.supplier_rep(index)
    submit_bid(
        actor=rep,
        tender=tender,
        lot=tender.lots.get(),
        supplier=supplier,
        content=content,
        idempotency_key="bad-input",
    )


# --- bids -----------------------------------------------------------------------------------
def test_late_bids_are_judged_by_the_business_clock(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    assert tender.tender_end is not None
    travel.to(tender.tender_end - dt.timedelta(microseconds=1))
    bid(world, tender, 0, "1000.00")  # the last moment is still in time
    travel.to(tender.tender_end)  # the deadline itself is late, tick or no tick
    exc = refused(ValidationError, _submit, world, tender, _content(), 1)
    assert "deadline passed" in error_fields(exc)["tender"][0]
    bid_row = Bid.objects.get(supplier=world.suppliers[0])
    exc = refused(
        ValidationError,
        withdraw_bid,
        actor=world.reps[0],
        bid=bid_row,
        idempotency_key="late-withdraw",
    )
    assert "deadline passed" in error_fields(exc)["tender"][0]
    assert Bid.objects.get(pk=bid_row.pk).status == "submitted"
    assert not BidVersion.objects.filter(at__gte=tender.tender_end).exists()


def test_bids_before_tendering_are_refused(world: World, travel: Travel) -> None:
    tender = draft_tender(world)
    exc = refused(ValidationError, _submit, world, tender, _content())
    assert "only during tendering" in error_fields(exc)["tender"][0]
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    exc = refused(ValidationError, _submit, world, tender, _content())
    assert "active.enquiries" in error_fields(exc)["tender"][0]


def test_bid_in_the_wrong_currency(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    exc = refused(ValidationError, _submit, world, tender, _content(currency="usd"))
    assert error_fields(exc) == {"currency": ["Bids on this tender are in EUR, not USD."]}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5.00", "positive"),
        ("0", "positive"),
        ("0.00", "positive"),
        ("10.001", "decimal places"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
    ],
)
def test_bad_amounts(world: World, travel: Travel, amount: str, message: str) -> None:
    tender = tender_in_tendering(world, travel)
    exc = refused(ValidationError, _submit, world, tender, _content(amount=amount))
    fields = error_fields(exc)
    assert list(fields) == ["amount"]
    assert message in fields["amount"][0]


def test_amount_too_large_to_store_is_refused(world: World, travel: Travel) -> None:
    """Bid.amount holds 18 digits with 2 decimals: a larger price must be refused when sealed,
    not found out at opening (an overflow there would block the opening for everyone)."""
    tender = tender_in_tendering(world, travel)
    for amount in ("1" + "0" * 17, "1" + "0" * 16, "1" + "0" * 13, "123456789012345.67"):
        exc = refused(ValidationError, _submit, world, tender, _content(amount=amount))
        assert "amount" in error_fields(exc)
    bid(world, tender, 1, "9999999999999.99")  # 15 digits
    past_deadline(travel, tender)
    [opened] = open_bids(actor=world.officer, tender=tender)
    assert Bid.objects.get(pk=opened.pk).amount == Decimal("9999999999999.99")


@pytest.mark.parametrize("amount", ["1234567890123.45", "9999999999999.99", "0.01"])
def test_every_accepted_price_is_opened_exactly(world: World, travel: Travel, amount: str) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, amount)
    past_deadline(travel, tender)
    [opened] = open_bids(actor=world.officer, tender=tender)
    assert Bid.objects.get(pk=opened.pk).amount == Decimal(amount)


@pytest.mark.parametrize("days", [0, -1, 3651, 10**6])
def test_delivery_days_out_of_range(world: World, travel: Travel, days: int) -> None:
    tender = tender_in_tendering(world, travel)
    exc = refused(ValidationError, _submit, world, tender, _content(days=days))
    assert error_fields(exc) == {
        "delivery_days": ["Delivery time is a whole number of days from 1 to 3650."]
    }


def test_delivery_days_limits_are_accepted(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "1.00", days=1)
    bid(world, tender, 1, "1.00", days=3650)


def test_bad_idempotency_key(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    supplier, rep = world.supplier_rep(0)
    for key in ("", "   ", "k" * 101):
        exc = refused(
            ValidationError,
            submit_bid,
            actor=rep,
            tender=tender,
            lot=tender.lots.get(),
            supplier=supplier,
            content=_content(),
            idempotency_key=key,
        )
        assert "idempotency_key" in error_fields(exc)


def test_selective_tender_admits_only_register_qualified_suppliers(
    world: World, travel: Travel
) -> None:
    tender = tender_in_tendering(world, travel, method="selective")
    exc = refused(ValidationError, _submit, world, tender, _content())
    assert "qualified in the register" in error_fields(exc)["supplier"][0]

    # A qualification for another category does not help, nor does an expired one.
    qualify_supplier(
        actor=world.officer,
        buyer=world.buyer,
        supplier=world.suppliers[0],
        cpv="33600000-6",
        valid_until=travel.now.date() + dt.timedelta(days=365),
    )
    refused(ValidationError, _submit, world, tender, _content())
    qualify_supplier(
        actor=world.officer,
        buyer=world.buyer,
        supplier=world.suppliers[0],
        cpv="35300000-7",  # weapons and ammunition covers 35331200-5 (shells)
        valid_until=travel.now.date() + dt.timedelta(days=2),
    )
    travel.by(days=3)  # ... expired by now
    refused(ValidationError, _submit, world, tender, _content())

    qualify_supplier(
        actor=world.officer,
        buyer=world.buyer,
        supplier=world.suppliers[0],
        cpv="35330000-6",  # ammunition
        valid_until=travel.now.date() + dt.timedelta(days=365),
    )
    version = bid(world, tender, 0, "1000.00")
    assert version.bid.supplier == world.suppliers[0]
    # Another supplier is still refused.
    exc = refused(ValidationError, _submit, world, tender, _content(), 1)
    assert "supplier" in error_fields(exc)


def test_register_entries_are_validated(world: World, travel: Travel) -> None:
    future = travel.now.date() + dt.timedelta(days=30)
    exc = refused(
        ValidationError,
        qualify_supplier,
        actor=world.officer,
        buyer=world.buyer,
        supplier=world.suppliers[0],
        cpv="35300000-8",
        valid_until=future,
    )
    assert "cpv" in error_fields(exc)
    exc = refused(
        ValidationError,
        qualify_supplier,
        actor=world.officer,
        buyer=world.buyer,
        supplier=world.unit,
        cpv="35300000-7",
        valid_until=future,
    )
    assert "supplier" in error_fields(exc)
    exc = refused(
        ValidationError,
        qualify_supplier,
        actor=world.officer,
        buyer=world.buyer,
        supplier=world.suppliers[0],
        cpv="35300000-7",
        valid_until=travel.now.date(),
    )
    assert "valid_until" in error_fields(exc)


def test_no_bids_on_a_negotiated_tender(world: World, travel: Travel) -> None:
    tender = draft_tender(
        world, method="negotiated", justification="Sole maker", supplier=world.suppliers[0]
    )
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    exc = refused(ValidationError, _submit, world, tender, _content())
    assert "no bidding" in error_fields(exc)["tender"][0]


def test_only_suppliers_bid(world: World, travel: Travel, make_user: Callable) -> None:
    from spilno.kernel.access import Role

    tender = tender_in_tendering(world, travel)
    rep = make_user((world.unit, Role.SUPPLIER_REPRESENTATIVE))
    exc = refused(
        ValidationError,
        submit_bid,
        actor=rep,
        tender=tender,
        lot=tender.lots.get(),
        supplier=world.unit,
        content=_content(),
        idempotency_key="unit",
    )
    assert "supplier" in error_fields(exc)


def test_lot_of_another_tender(world: World, travel: Travel) -> None:
    tender = draft_tender(world)
    other = draft_tender(world)
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    travel.by(days=4)
    tick()
    tender.refresh_from_db()
    supplier, rep = world.supplier_rep(0)
    exc = refused(
        ValidationError,
        submit_bid,
        actor=rep,
        tender=tender,
        lot=other.lots.get(),
        supplier=supplier,
        content=_content(),
        idempotency_key="x",
    )
    assert "lot" in error_fields(exc)


# --- requirements, tenders and items --------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cpv", "35331200"),
        ("cpv", "35331200-6"),  # wrong check digit
        ("cpv", "35331200-٥"),  # non-ASCII digit
        ("nsn", "1315-12-345-678"),
        ("nsn", "0000-12-345-6789"),  # not a supply class
        ("nsn", "1315123456789x"),
    ],
)
def test_malformed_codes_in_requirements(world: World, field: str, value: str) -> None:
    fields = {
        "title_en": "Shells",
        "cpv": "35331200-5",
        "quantity": Decimal(10),
        "unit": "rounds",
        "needed_by": dt.date(2026, 9, 1),
        "requesting_organisation": world.unit,
        "priority": 2,
        "priority_reason": "Stocks",
        field: value,
    }
    exc = refused(ValidationError, create_requirement, actor=SystemActor(), **fields)
    assert list(error_fields(exc)) == [field]


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        (ItemSpec(quantity=Decimal(5), description="Shells", cpv="1234", unit="u"), "cpv"),
        (ItemSpec(quantity=Decimal(5), description="Shells", cpv="35331200-6", unit="u"), "cpv"),
        (
            ItemSpec(
                quantity=Decimal(5),
                description="Shells",
                cpv="35331200-5",
                nsn="1315-12-345",
                unit="u",
            ),
            "nsn",
        ),
        (
            ItemSpec(quantity=Decimal(0), description="Shells", cpv="35331200-5", unit="u"),
            "quantity",
        ),
        (ItemSpec(quantity=Decimal(5), description="", cpv="35331200-5", unit="u"), "description"),
    ],
)
def test_malformed_tender_items(world: World, travel: Travel, spec: ItemSpec, key: str) -> None:
    exc = refused(
        ValidationError,
        create_tender,
        actor=world.drafter,
        plan=world.plan,
        method="open",
        currency="EUR",
        title_en="Bad item",
        lots=[LotSpec(title_en="Lot", value=Decimal(100), items=[spec])],
        enquiry_end=travel.now + dt.timedelta(days=4),
        tender_end=travel.now + dt.timedelta(days=12),
    )
    assert list(error_fields(exc)) == [f"lots.1.items.1.{key}"]


def test_tender_needs_lots_items_and_values(world: World, travel: Travel) -> None:
    common = {
        "actor": world.drafter,
        "plan": world.plan,
        "method": "open",
        "currency": "EUR",
        "title_en": "T",
        "enquiry_end": travel.now + dt.timedelta(days=4),
        "tender_end": travel.now + dt.timedelta(days=12),
    }
    item = ItemSpec(requirement=world.requirement)
    cases = [
        ([], "lots"),
        ([LotSpec("L", Decimal(10))], "lots.1.items"),
        ([LotSpec("L", Decimal(0), items=[item])], "lots.1.value"),
        ([LotSpec("L", Decimal("10.005"), items=[item])], "lots.1.value"),
    ]
    for lots, key in cases:
        exc = refused(ValidationError, create_tender, lots=lots, **common)
        assert key in error_fields(exc), (key, error_fields(exc))
    exc = refused(
        ValidationError,
        create_tender,
        **{**common, "currency": "XXX"},
        lots=[LotSpec("L", Decimal(10), items=[item])],
    )
    assert "tender.currency" in error_fields(exc)


def test_negotiated_needs_justification_and_a_named_supplier(world: World) -> None:
    exc = refused(ValidationError, draft_tender, world, method="negotiated", justification="  ")
    fields = error_fields(exc)
    assert "justification" in fields
    assert fields["supplier"] == ["Name the single supplier for this method."]
    exc = refused(
        ValidationError,
        draft_tender,
        world,
        method="open",
        supplier=world.suppliers[0],
    )
    assert "Competitive methods" in error_fields(exc)["supplier"][0]


def test_only_frameworks_admit_several_suppliers(world: World) -> None:
    exc = refused(ValidationError, draft_tender, world, method="open", max_awards=2)
    assert "max_awards" in error_fields(exc)
    exc = refused(ValidationError, draft_tender, world, method="framework", max_awards=0)
    assert "max_awards" in error_fields(exc)


def test_competitive_dates(world: World, travel: Travel) -> None:
    exc = refused(
        ValidationError,
        draft_tender,
        world,
        enquiry_end=travel.now + dt.timedelta(days=5),
        tender_end=travel.now + dt.timedelta(days=5),
    )
    assert error_fields(exc)["tender_end"] == ["Bids are due after enquiries end."]
    tender = draft_tender(
        world,
        enquiry_end=travel.now + dt.timedelta(days=2),
        tender_end=travel.now + dt.timedelta(days=20),
    )
    approve_plan(actor=world.approver, plan=world.plan)
    exc = refused(ValidationError, publish_tender, actor=world.drafter, tender=tender)
    assert "at least 3 days" in error_fields(exc)["enquiry_end"][0]


def test_short_tendering_period_refused_at_publication(world: World, travel: Travel) -> None:
    tender = draft_tender(
        world,
        method="framework",
        max_awards=2,
        enquiry_end=travel.now + dt.timedelta(days=4),
        tender_end=travel.now + dt.timedelta(days=12),
    )
    approve_plan(actor=world.approver, plan=world.plan)
    exc = refused(ValidationError, publish_tender, actor=world.drafter, tender=tender)
    assert "at least 10 days" in error_fields(exc)["tender_end"][0]


@pytest.fixture
def foreign(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Ministry of Defence of Norway", country="NO", kind=OrganisationKind.MINISTRY)


def test_g2g_needs_an_agreement_in_force_with_both_parties(
    world: World, foreign: Organisation, make_agreement: Callable
) -> None:
    g2g = {"method": "g2g", "justification": "Government stock", "supplier": foreign}
    exc = refused(ValidationError, draft_tender, world, **g2g)
    assert "agreement" in error_fields(exc)

    draft_agreement = make_agreement(world.buyer, foreign)
    exc = refused(ValidationError, draft_tender, world, agreement=draft_agreement, **g2g)
    assert error_fields(exc)["agreement"] == ["The agreement must be in force."]

    in_force = make_agreement(
        world.buyer, foreign, status="in_force", signed_on=dt.date(2025, 1, 10)
    )
    exc = refused(
        ValidationError,
        draft_tender,
        world,
        method="g2g",
        justification="Government stock",
        supplier=world.suppliers[0],
        agreement=in_force,
    )
    assert error_fields(exc) == {"supplier": ["The supplier must be a party to the agreement."]}

    outsiders = make_agreement(
        world.unit, foreign, status="in_force", signed_on=dt.date(2025, 1, 1)
    )
    exc = refused(ValidationError, draft_tender, world, agreement=outsiders, **g2g)
    assert "buyer" in error_fields(exc)["agreement"][0]

    tender = draft_tender(world, agreement=in_force, **g2g)
    assert tender.agreement == in_force


@pytest.mark.parametrize(
    "weights", [(50, 30, 10), (60, 30, 20), (0, 50, 50), (100, 10, 0)], ids=str
)
def test_weighted_criteria_must_add_up(world: World, weights: tuple[int, int, int]) -> None:
    price, delivery, quality = weights
    exc = refused(
        ValidationError,
        draft_tender,
        world,
        award_criteria="weighted",
        weight_price=price,
        weight_delivery=delivery,
        weight_quality=quality,
    )
    assert error_fields(exc) == {
        "weight_price": ["Weights must add up to 100, with some weight on price."]
    }


def test_lowest_price_uses_price_only(world: World) -> None:
    exc = refused(ValidationError, draft_tender, world, weight_price=80, weight_quality=20)
    assert "award_criteria" in error_fields(exc)


def test_classification_above_clearance(world: World, travel: Travel, make_user: Callable) -> None:
    from spilno.kernel.access import Role

    low = make_user((world.buyer, Role.PROCUREMENT_OFFICER), clearance=Level.INTERNAL)
    exc = refused(
        ValidationError,
        create_tender,
        actor=low,
        plan=world.plan,
        method="open",
        currency="EUR",
        title_en="Too secret",
        lots=[LotSpec("L", Decimal(10), items=[ItemSpec(requirement=world.requirement)])],
        enquiry_end=travel.now + dt.timedelta(days=4),
        tender_end=travel.now + dt.timedelta(days=12),
        classification=Level.CONFIDENTIAL,
    )
    assert list(error_fields(exc)) == ["classification"]


# --- illegal moves --------------------------------------------------------------------------
def test_publish_twice(world: World, travel: Travel) -> None:
    tender = draft_tender(world)
    exc = refused(ValidationError, publish_tender, actor=world.drafter, tender=tender)
    assert "only while the tender is planned" in error_fields(exc)["status"][0]
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    exc = refused(ValidationError, publish_tender, actor=world.drafter, tender=tender)
    assert "it is active.enquiries" in error_fields(exc)["status"][0]


def test_approve_plan_twice(world: World, travel: Travel) -> None:
    draft_tender(world)
    approve_plan(actor=world.approver, plan=world.plan)
    exc = refused(ValidationError, approve_plan, actor=world.approver, plan=world.plan)
    assert error_fields(exc) == {"status": ["This plan is already approved."]}
    world.plan.refresh_from_db()
    exc = refused(ValidationError, draft_tender, world)
    assert "plan" in error_fields(exc)


def test_no_tender_added_to_a_plan_approved_meanwhile(world: World, travel: Travel) -> None:
    """The plan's status is read (and locked) in the transaction, not taken from the caller."""
    draft_tender(world)
    stale = world.plan  # as loaded by a page before someone else approved the plan
    approve_plan(actor=world.approver, plan=type(stale).objects.get(pk=stale.pk))
    exc = refused(ValidationError, draft_tender, world)
    assert "plan" in error_fields(exc)


def test_open_bids_before_the_deadline_and_twice(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "1000.00")
    exc = refused(ValidationError, open_bids, actor=world.officer, tender=tender)
    assert "it is active.tendering" in error_fields(exc)["status"][0]
    past_deadline(travel, tender)
    open_bids(actor=world.officer, tender=tender)
    exc = refused(ValidationError, open_bids, actor=world.approver, tender=tender)
    assert error_fields(exc) == {"status": ["The bids of this tender are already open."]}


def test_open_bids_changes_nothing_when_it_refuses(world: World, travel: Travel) -> None:
    """Opening closes the tendering period itself, inside its own transaction: when it then
    refuses (every bid was withdrawn, so the tender is unsuccessful) nothing stays behind."""
    tender = tender_in_tendering(world, travel)
    withdrawn = bid(world, tender, 0, "1000.00").bid
    withdraw_bid(actor=world.reps[0], bid=withdrawn, idempotency_key="w")
    past_deadline(travel, tender)
    exc = refused(ValidationError, open_bids, actor=world.officer, tender=tender)
    assert "status" in error_fields(exc)


def test_decide_award_before_opening(world: World, travel: Travel) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "1000.00")
    exc = refused(ValidationError, decide_awards, actor=world.approver, tender=tender)
    assert "it is active.tendering" in error_fields(exc)["status"][0]
    past_deadline(travel, tender)
    tick()
    exc = refused(ValidationError, decide_awards, actor=world.approver, tender=tender)
    assert error_fields(exc) == {"status": ["Open the bids first."]}


def test_decide_award_with_undecided_bids(world: World, travel: Travel) -> None:
    from tests.procurement.conftest import opened_tender

    tender = opened_tender(world, travel, "1000.00", "900.00")
    exc = refused(ValidationError, decide_awards, actor=world.approver, tender=tender)
    assert "2 opened bid(s)" in error_fields(exc)["bids"][0]


def test_complaints_after_the_standstill(world: World, travel: Travel) -> None:
    tender = awarded_tender(world, travel, "1000.00", "900.00")
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end)
    exc = refused(
        ValidationError,
        submit_complaint,
        actor=world.reps[0],
        tender=tender,
        complainant=world.suppliers[0],
        text="Too late?",
    )
    assert "standstill period is over" in error_fields(exc)["tender"][0]


def test_complaints_only_from_bidders_and_with_text(world: World, travel: Travel) -> None:
    tender = awarded_tender(world, travel, "1000.00")
    exc = refused(
        ValidationError,
        submit_complaint,
        actor=world.reps[2],
        tender=tender,
        complainant=world.suppliers[2],
        text="I did not bid",
    )
    assert "complainant" in error_fields(exc)
    exc = refused(
        ValidationError,
        submit_complaint,
        actor=world.reps[0],
        tender=tender,
        complainant=world.suppliers[0],
        text="  ",
    )
    assert "text" in error_fields(exc)


def test_amend_a_pending_contract(world: World, travel: Travel) -> None:
    tender = awarded_tender(world, travel, "1000.00")
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end)
    tick()
    contract = Contract.objects.get(tender=tender)
    assert contract.status == "pending"
    exc = refused(
        ValidationError,
        amend_contract,
        actor=world.officer,
        contract=contract,
        reason="More",
        value_change=Decimal(100),
    )
    assert error_fields(exc) == {"status": ["Only an active contract can be amended."]}


def test_amendments_are_validated(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel, "1000.00")
    cases = [
        ({"reason": " ", "value_change": Decimal(1)}, "reason"),
        ({"reason": "r", "value_change": Decimal("0.001")}, "value_change"),
        ({"reason": "r", "value_change": Decimal(-1000)}, "value_change"),
        ({"reason": "r", "value_change": Decimal(0)}, "value_change"),
        (
            {"reason": "r", "value_change": Decimal(0), "period_end": dt.date(2020, 1, 1)},
            "period_end",
        ),
    ]
    for kwargs, key in cases:
        exc = refused(
            ValidationError, amend_contract, actor=world.officer, contract=contract, **kwargs
        )
        assert key in error_fields(exc), (kwargs, error_fields(exc))


def test_sign_twice_and_sign_as_nobody(world: World, travel: Travel) -> None:
    tender = awarded_tender(world, travel, "1000.00")
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end)
    tick()
    contract = Contract.objects.get(tender=tender)
    sign_contract(actor=world.officer, contract=contract, side="buyer")
    exc = refused(
        ValidationError, sign_contract, actor=world.approver, contract=contract, side="buyer"
    )
    assert error_fields(exc) == {"side": ["The buyer has already signed."]}
    exc = refused(
        ValidationError, sign_contract, actor=world.officer, contract=contract, side="witness"
    )
    assert "side" in error_fields(exc)


def test_schedule_beyond_the_contract_and_receive_more_than_due(
    world: World, travel: Travel
) -> None:
    contract = active_contract(world, travel, "1000.00")
    item = contract.items.get()
    due = travel.now.date() + dt.timedelta(days=10)
    exc = refused(
        ValidationError,
        schedule_delivery,
        actor=world.officer,
        contract=contract,
        due_date=due,
        lines=[(item, Decimal("1000.001"))],
    )
    assert "lines.1.quantity" in error_fields(exc)
    schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(item, Decimal(600))]
    )
    delivery = schedule_delivery(
        actor=world.officer, contract=contract, due_date=due, lines=[(item, Decimal(400))]
    )
    exc = refused(
        ValidationError,
        schedule_delivery,
        actor=world.officer,
        contract=contract,
        due_date=due,
        lines=[(item, Decimal(1))],
    )
    assert error_fields(exc)["lines.1.quantity"] == [
        "Between 0 and the 0.000 rounds not yet scheduled."
    ]
    for bad in (Decimal(0), Decimal(-1), "many"):
        exc = refused(
            ValidationError,
            schedule_delivery,
            actor=world.officer,
            contract=contract,
            due_date=due,
            lines=[(item, bad)],
        )
        assert "lines.1.quantity" in error_fields(exc)
    exc = refused(
        ValidationError,
        schedule_delivery,
        actor=world.officer,
        contract=contract,
        due_date=due,
        lines=[],
    )
    assert "lines" in error_fields(exc)

    ship_delivery(actor=world.reps[0], delivery=delivery)
    line = delivery.lines.get()
    exc = refused(
        ValidationError,
        receive_delivery,
        actor=world.officer,
        delivery=delivery,
        received={line.pk: Decimal("400.001")},
    )
    assert error_fields(exc) == {
        f"received.{line.pk}": ["More than was due; schedule another delivery for the rest."]
    }
    exc = refused(
        ValidationError,
        receive_delivery,
        actor=world.officer,
        delivery=delivery,
        received={line.pk + 1000: Decimal(1)},
    )
    assert "received" in error_fields(exc)
    exc = refused(
        ValidationError,
        receive_delivery,
        actor=world.officer,
        delivery=delivery,
        received={line.pk: Decimal(-1)},
    )
    assert f"received.{line.pk}" in error_fields(exc)


def test_delivery_quantity_with_too_many_decimals(world: World, travel: Travel) -> None:
    contract = active_contract(world, travel, "1000.00")
    item = contract.items.get()
    exc = refused(
        ValidationError,
        schedule_delivery,
        actor=world.officer,
        contract=contract,
        due_date=travel.now.date(),
        lines=[(item, Decimal("0.0004"))],
    )
    assert "lines.1.quantity" in error_fields(exc)


def test_delivery_moves_out_of_order(world: World, travel: Travel) -> None:
    from spilno.procurement.services.deliveries import accept_delivery, reject_delivery

    contract = active_contract(world, travel, "1000.00")
    item = contract.items.get()
    delivery = schedule_delivery(
        actor=world.officer,
        contract=contract,
        due_date=travel.now.date(),
        lines=[(item, Decimal(10))],
    )
    exc = refused(ValidationError, receive_delivery, actor=world.officer, delivery=delivery)
    assert "cannot move from scheduled to received" in error_fields(exc)["status"][0]
    exc = refused(ValidationError, accept_delivery, actor=world.officer, delivery=delivery)
    assert "status" in error_fields(exc)
    exc = refused(
        ValidationError, reject_delivery, actor=world.officer, delivery=delivery, reason="no"
    )
    assert "status" in error_fields(exc)
    exc = refused(
        ValidationError, reject_delivery, actor=world.officer, delivery=delivery, reason=" "
    )
    assert "reason" in error_fields(exc)
    ship_delivery(actor=world.reps[0], delivery=delivery)
    exc = refused(ValidationError, ship_delivery, actor=world.reps[0], delivery=delivery)
    assert "status" in error_fields(exc)
