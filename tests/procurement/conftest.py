"""A small procurement world: a buyer with separated duties, three suppliers, a requirement,
and a controllable business clock (services read time only through spilno.kernel.clock)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from spilno.accounts.models import User
from spilno.capabilities.models import Requirement
from spilno.capabilities.services.requirements import create_requirement
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel import clock
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from spilno.procurement.models import ProcurementPlan, Tender
from spilno.procurement.services.bids import BidContent, submit_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.tenders import (
    approve_plan,
    create_plan,
    create_tender,
    lots_from_requirements,
    publish_tender,
)

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_keys = itertools.count(1)


class Travel:
    """The business clock, stopped at ``now`` until a test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def by(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def to(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return self.now


@pytest.fixture
def travel(monkeypatch: pytest.MonkeyPatch) -> Travel:
    machine = Travel(START)
    monkeypatch.setattr(clock, "now", machine)
    return machine


@pytest.fixture(autouse=True)
def _bid_key(settings: Any, tmp_path: Any) -> None:
    settings.SPILNO_BID_KEY_FILE = tmp_path / "keys" / "bids.key"
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    buyer: Organisation
    unit: Organisation
    suppliers: list[Organisation]
    drafter: User
    officer: User
    approver: User
    reps: list[User]
    requirement: Requirement
    plan: ProcurementPlan

    def supplier_rep(self, index: int) -> tuple[Organisation, User]:
        return self.suppliers[index], self.reps[index]


@pytest.fixture
def world(
    travel: Travel, make_org: Callable[..., Organisation], make_user: Callable[..., User]
) -> World:
    buyer = make_org("Defence Procurement Agency", kind=OrganisationKind.AGENCY)
    unit = make_org("Air Assault Brigade", kind=OrganisationKind.ARMED_FORCES_UNIT)
    suppliers = [
        make_org(f"Supplier {name}", kind=OrganisationKind.SUPPLIER, country=country)
        for name, country in (("Alpha", "UA"), ("Bravo", "PL"), ("Charlie", "FR"))
    ]
    drafter = make_user(
        (buyer, Role.PROCUREMENT_OFFICER), username="drafter", clearance=Level.SECRET
    )
    officer = make_user(
        (buyer, Role.PROCUREMENT_OFFICER), username="officer", clearance=Level.SECRET
    )
    approver = make_user((buyer, Role.APPROVER), username="approver", clearance=Level.SECRET)
    reps = [
        make_user((s, Role.SUPPLIER_REPRESENTATIVE), username=f"rep{i}")
        for i, s in enumerate(suppliers)
    ]
    requirement = create_requirement(
        actor=SystemActor(),
        title_en="155 mm artillery ammunition",
        cpv="35331200-5",
        quantity=Decimal(1000),
        unit="rounds",
        needed_by=dt.date(2026, 9, 1),
        requesting_organisation=unit,
        priority=1,
        priority_reason="Counter-battery fire on the eastern front.",
        classification=Level.PUBLIC,
    )
    plan = create_plan(actor=drafter, buyer=buyer, year=2026, title_en="Plan 2026")
    return World(buyer, unit, suppliers, drafter, officer, approver, reps, requirement, plan)


def draft_tender(
    world: World, *, method: str = "open", value: str = "1500000", **fields: Any
) -> Tender:
    if method in ("open", "selective", "framework"):
        fields.setdefault("enquiry_end", clock.now() + dt.timedelta(days=4))
        fields.setdefault("tender_end", clock.now() + dt.timedelta(days=12))
    return create_tender(
        actor=world.drafter,
        plan=world.plan,
        method=method,
        currency="EUR",
        title_en=f"Ammunition ({method})",
        lots=lots_from_requirements([world.requirement], [Decimal(value)]),
        **fields,
    )


def tender_in_tendering(world: World, travel: Travel, **fields: Any) -> Tender:
    tender = draft_tender(world, **fields)
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    travel.by(days=4)
    tick()
    tender.refresh_from_db()
    assert tender.status == "active.tendering"
    return tender


def bid(
    world: World, tender: Tender, index: int, amount: str, *, days: int = 60, key: str | None = None
) -> Any:
    supplier, rep = world.supplier_rep(index)
    return submit_bid(
        actor=rep,
        tender=tender,
        lot=tender.lots.get(),
        supplier=supplier,
        content=BidContent(Decimal(amount), "EUR", days, notes=f"offer {amount}"),
        idempotency_key=key or f"k{next(_keys)}",
    )
