"""A small procurement world: a buyer with separated duties, three suppliers, a requirement,
and a controllable business clock (services read time only through spilno.kernel.clock)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from spilno.accounts.models import User
from spilno.capabilities.models import Requirement
from spilno.capabilities.services.requirements import create_requirement
from spilno.core.models import Organisation, OrganisationKind
from spilno.kernel import clock
from spilno.kernel.access import Role, SystemActor
from spilno.kernel.classification import Level
from spilno.procurement.models import Contract, ProcurementPlan, Tender
from spilno.procurement.services.bids import BidContent, open_bids, submit_bid
from spilno.procurement.services.chronograph import tick
from spilno.procurement.services.contracts import sign_contract
from spilno.procurement.services.evaluation import decide_awards, qualify_bid
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
        title_en=fields.pop("title_en", f"Ammunition ({method})"),
        lots=lots_from_requirements([world.requirement], [Decimal(value)]),
        **fields,
    )


def tender_in_tendering(world: World, travel: Travel, **fields: Any) -> Tender:
    """``prepare`` (optional) is called with the draft, e.g. to attach documents."""
    prepare = fields.pop("prepare", None)
    tender = draft_tender(world, **fields)
    if prepare is not None:
        prepare(tender)
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


# --- "nothing changed" ---------------------------------------------------------------------
def fingerprint() -> dict[str, Any]:
    """Every row of the procurement and capabilities tables (link tables included), plus the
    audit log's length and stream heads: a failed service call must leave all of it as it was."""
    from django.apps import apps
    from django.db import connection

    rows: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for label in ("procurement", "capabilities"):
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                table = model._meta.db_table
                cursor.execute(f"SELECT * FROM {table} ORDER BY id")
                rows[table] = [
                    tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in cursor.fetchall()
                ]
        cursor.execute("SELECT COUNT(*) FROM audit_auditentry")
        rows["audit.entries"] = cursor.fetchone()
        cursor.execute("SELECT id, seq, head_hash FROM audit_auditstream ORDER BY id")
        rows["audit.heads"] = cursor.fetchall()
    return rows


@contextlib.contextmanager
def unchanged() -> Iterator[None]:
    """Assert that the block (a refused service call) changes no row and adds no audit entry."""
    before = fingerprint()
    yield
    after = fingerprint()
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, f"a refused call changed {changed}"


def refused(
    exc_type: type[Exception], fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> Exception:
    """Call ``fn``, expect ``exc_type`` and no change at all; return the exception."""
    with unchanged(), pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    return info.value


def error_fields(exc: Exception) -> dict[str, list[str]]:
    assert isinstance(exc, ValidationError), exc
    return exc.message_dict


# --- further down the lifecycle --------------------------------------------------------------
def past_deadline(travel: Travel, tender: Tender) -> None:
    assert tender.tender_end is not None
    travel.to(tender.tender_end + dt.timedelta(seconds=1))


def opened_tender(world: World, travel: Travel, *amounts: str, **fields: Any) -> Tender:
    """A tender whose bids (one per supplier, in order) are opened by the officer."""
    tender = tender_in_tendering(world, travel, **fields)
    for index, amount in enumerate(amounts):
        bid(world, tender, index, amount)
    past_deadline(travel, tender)
    open_bids(actor=world.officer, tender=tender)
    tender.refresh_from_db()
    return tender


def awarded_tender(world: World, travel: Travel, *amounts: str, **fields: Any) -> Tender:
    """Every opened bid qualified and the award decided: the standstill runs."""
    tender = opened_tender(world, travel, *amounts, **fields)
    for b in tender.bids.filter(status="opened"):
        qualify_bid(actor=world.officer, bid=b, qualified=True, quality_score=50)
    decide_awards(actor=world.approver, tender=tender)
    tender.refresh_from_db()
    assert tender.status == "active.awarded"
    return tender


def signed_contracts(world: World, travel: Travel, tender: Tender) -> list[Contract]:
    """End the standstill and sign every contract on both sides."""
    tender.refresh_from_db()
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end + dt.timedelta(minutes=1))
    tick()
    contracts = []
    for contract in Contract.objects.filter(tender=tender, framework=None).order_by("pk"):
        sign_contract(actor=world.officer, contract=contract, side="buyer")
        rep = world.reps[world.suppliers.index(contract.supplier)]
        contracts.append(sign_contract(actor=rep, contract=contract, side="supplier"))
    return contracts


def active_contract(world: World, travel: Travel, amount: str = "1000000.00") -> Contract:
    tender = awarded_tender(world, travel, amount)
    [contract] = signed_contracts(world, travel, tender)
    assert contract.status == "active"
    return contract
