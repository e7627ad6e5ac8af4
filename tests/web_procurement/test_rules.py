"""What the pages refuse: actions outside one's role (403), records one may not see (404), and
bad forms (field errors, status 422, nothing written) — with and without htmx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from spilno.accounts.models import User
from spilno.audit.models import AuditEntry
from spilno.capabilities.models import Requirement
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from spilno.procurement.models import Bid, BidVersion, Tender
from tests.procurement.conftest import Travel, World, bid, draft_tender, tender_in_tendering

pytestmark = pytest.mark.django_db

Clients = Callable[[User], Client]


def counts() -> tuple[int, ...]:
    return (
        Tender.objects.count(),
        Bid.objects.count(),
        BidVersion.objects.count(),
        Requirement.objects.count(),
        AuditEntry.objects.count(),
    )


def bid_form(world: World, tender: Tender, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "bid-supplier": world.suppliers[0].pk,
        "bid-lot": tender.lots.get().pk,
        "bid-amount": "1000.00",
        "bid-delivery_days": 30,
        "bid-idempotency_key": "form-key-1",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("rep", "publish/"),
        ("rep", "cancel/"),
        ("rep", "open/"),
        ("rep", "award/"),
        ("rep", "documents/"),
        ("officer", "bids/"),
        ("officer", "questions/"),
        ("officer", "complaints/"),
        ("approver", "publish/"),
    ],
)
def test_actions_outside_ones_role_are_forbidden(
    world: World, travel: Travel, client_for: Clients, who: str, path: str
) -> None:
    tender = tender_in_tendering(world, travel)
    user = {"rep": world.reps[0], "officer": world.officer, "approver": world.approver}[who]
    before = counts()
    response = client_for(user).post(f"/procurement/tenders/{tender.pk}/{path}", {})
    assert response.status_code == 403
    assert counts() == before


def test_pages_for_a_role_one_lacks_are_forbidden(world: World, client_for: Clients) -> None:
    rep = client_for(world.reps[0])
    for url in ("/procurement/tenders/new/", "/procurement/plans/new/", "/requirements/new/"):
        assert rep.get(url).status_code == 403, url
    assert rep.post(f"/procurement/plans/{world.plan.pk}/approve/", {}).status_code == 403
    assert rep.post("/procurement/suppliers/qualify/", {}).status_code == 403


def test_the_drafter_cannot_approve_the_plan_of_their_tender(
    world: World, travel: Travel, client_for: Clients, make_user: Callable[..., User]
) -> None:
    draft_tender(world)
    # An approver who also drafted: the page offers nothing, a POST is refused.
    world.drafter.memberships.create(organisation=world.buyer, role=Role.APPROVER)
    drafter = client_for(world.drafter)
    page = drafter.get(f"/procurement/plans/{world.plan.pk}/").content.decode()
    assert "Approve the plan" not in page
    before = counts()
    assert drafter.post(f"/procurement/plans/{world.plan.pk}/approve/", {}).status_code == 403
    assert counts() == before


def test_records_one_may_not_see_are_not_found(
    world: World, travel: Travel, client_for: Clients, make_org: Callable[..., object]
) -> None:
    secret = draft_tender(world, classification=Level.RESTRICTED)
    outsider = client_for(world.reps[2])  # cleared INTERNAL, not a participant
    assert outsider.get(f"/procurement/tenders/{secret.pk}/").status_code == 404
    assert outsider.post(f"/procurement/tenders/{secret.pk}/bids/", {}).status_code == 404
    assert client_for(world.officer).get(f"/procurement/tenders/{secret.pk}/").status_code == 200
    assert outsider.get("/procurement/tenders/999999/").status_code == 404
    assert outsider.get("/procurement/contracts/999999/").status_code == 404


def test_another_suppliers_bid_cannot_be_withdrawn(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = tender_in_tendering(world, travel)
    version = bid(world, tender, 0, "1000.00")
    before = counts()
    response = client_for(world.reps[1]).post(
        f"/procurement/tenders/{tender.pk}/bids/{version.bid_id}/withdraw/",
        {f"withdraw-{version.bid_id}-idempotency_key": "x"},
    )
    assert response.status_code == 404  # the sealed bid does not exist for them
    assert counts() == before


def test_a_bad_bid_shows_field_errors_and_stores_nothing(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = tender_in_tendering(world, travel)
    rep = client_for(world.reps[0])
    url = f"/procurement/tenders/{tender.pk}/bids/"
    before = counts()
    # The form's own checks: no price, delivery time out of range.
    response = rep.post(url, bid_form(world, tender, **{"bid-amount": "", "bid-delivery_days": 0}))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_bid-amount_error"' in page
    assert 'id="id_bid-delivery_days_error"' in page
    # The service's checks, shown on the field they are about: too many decimals for EUR.
    response = rep.post(url, bid_form(world, tender, **{"bid-amount": "10.001"}))
    assert response.status_code == 422
    assert 'id="id_bid-amount_error"' in response.content.decode()
    assert counts() == before


def test_after_the_deadline_the_bid_form_is_gone_and_a_late_bid_is_refused(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = tender_in_tendering(world, travel)
    assert tender.tender_end is not None
    travel.to(tender.tender_end)
    rep = client_for(world.reps[0])
    assert "Submit sealed bid" not in rep.get(f"/procurement/tenders/{tender.pk}/").content.decode()
    before = counts()
    response = rep.post(f"/procurement/tenders/{tender.pk}/bids/", bid_form(world, tender))
    assert response.status_code == 302  # back to the page, with the reason as a message
    page = rep.get(response["Location"]).content.decode()
    assert "deadline passed" in page
    assert counts() == before


def test_htmx_gets_the_form_back_in_place_or_a_reload(
    world: World, travel: Travel, client_for: Clients
) -> None:
    tender = tender_in_tendering(world, travel)
    rep = client_for(world.reps[0])
    url = f"/procurement/tenders/{tender.pk}/bids/"
    response = rep.post(url, bid_form(world, tender, **{"bid-amount": ""}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="action-bid"')
    assert "<html" not in fragment
    assert 'id="id_bid-amount_error"' in fragment
    response = rep.post(url, bid_form(world, tender), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/procurement/tenders/{tender.pk}/"
    assert BidVersion.objects.filter(bid__tender=tender).count() == 1


def test_a_bad_tender_form_shows_field_errors_and_creates_nothing(
    world: World, travel: Travel, client_for: Clients
) -> None:
    drafter = client_for(world.drafter)
    req = world.requirement.pk
    now = timezone.localtime(travel.now)
    data = {
        "plan": world.plan.pk,
        "method": "open",
        "currency": "EUR",
        "title_en": "Bad dates",
        "award_criteria": "lowest_price",
        "weight_price": 100,
        "weight_delivery": 0,
        "weight_quality": 0,
        "max_awards": 1,
        "enquiry_end": (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "tender_end": (now + dt.timedelta(days=4)).strftime("%Y-%m-%dT%H:%M"),
        "classification": 0,
        "requirements": [req],
        f"value_{req}": "1000",
    }
    before = counts()
    response = drafter.post("/procurement/tenders/new/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_tender_end_error"' in page  # the service's rule, next to its field
    assert "Bids are due after enquiries end." in page
    # A chosen requirement without its lot's value: the value field appears with an error.
    response = drafter.post("/procurement/tenders/new/", {**data, f"value_{req}": ""})
    assert response.status_code == 422
    assert f'id="id_value_{req}_error"' in response.content.decode()
    # Negotiated without a justification or a supplier.
    response = drafter.post(
        "/procurement/tenders/new/", {**data, "method": "negotiated", "enquiry_end": ""}
    )
    page = response.content.decode()
    assert 'id="id_justification_error"' in page
    assert 'id="id_supplier_error"' in page
    assert counts() == before


def test_the_lot_value_inputs_follow_the_chosen_requirements(
    world: World, client_for: Clients
) -> None:
    req = world.requirement.pk
    response = client_for(world.drafter).get(
        f"/procurement/tenders/new/lot-values/?requirements={req}&value_{req}=750"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="value_{req}"' in page
    assert 'value="750"' in page


def test_a_bad_requirement_form_shows_field_errors_and_writes_nothing(
    world: World, client_for: Clients
) -> None:
    officer = client_for(world.officer)
    before = counts()
    response = officer.post(
        "/requirements/new/",
        {
            "title_en": "Night vision",
            "cpv": "38600000-1",
            "quantity": "0",
            "unit": "sets",
            "needed_by": "2026-12-01",
            "requesting_organisation": world.unit.pk,
            "priority": 2,
            "priority_reason": " ",
            "classification": Level.INTERNAL,
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_quantity_error"' in page
    assert 'id="id_priority_reason_error"' in page
    assert counts() == before


def test_a_requirement_through_the_form(world: World, client_for: Clients) -> None:
    officer = client_for(world.officer)
    response = officer.post(
        "/requirements/new/",
        {
            "title_en": "Night vision goggles",
            "cpv": "38600000-1",
            "quantity": "250",
            "unit": "sets",
            "needed_by": "2026-12-01",
            "requesting_organisation": world.unit.pk,
            "priority": 2,
            "priority_reason": "Night operations.",
            "classification": Level.INTERNAL,
        },
    )
    assert response.status_code == 302
    requirement = Requirement.objects.get(title_en="Night vision goggles")
    assert requirement.quantity == Decimal(250)
    page = officer.get("/requirements/?q=night&priority=2").content.decode()
    assert requirement.reference in page
    response = officer.post(
        f"/requirements/{requirement.pk}/edit/",
        {
            "title_en": "Night vision goggles",
            "cpv": "38600000-1",
            "quantity": "300",
            "unit": "sets",
            "needed_by": "2026-12-01",
            "requesting_organisation": world.unit.pk,
            "priority": 1,
            "priority_reason": "Night operations, now urgent.",
            "classification": Level.INTERNAL,
            "status": "open",
        },
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.quantity, requirement.priority) == (Decimal(300), 1)
    assert client_for(world.reps[0]).get(f"/requirements/{requirement.pk}/edit/").status_code == 403


def test_auditors_and_administrators_cannot_read_a_sealed_bid_either(
    world: World, travel: Travel, client_for: Clients, make_user: Callable[..., User]
) -> None:
    tender = tender_in_tendering(world, travel)
    bid(world, tender, 0, "7654321.99")
    auditor = make_user((world.buyer, Role.AUDITOR), clearance=Level.SECRET)
    admin = make_user((world.buyer, Role.ADMINISTRATOR), clearance=Level.SECRET)
    entries = AuditEntry.objects.filter(action__startswith="procurement.bid").values_list(
        "pk", flat=True
    )
    assert entries
    for user in (auditor, admin):
        client = client_for(user)
        urls = [f"/procurement/tenders/{tender.pk}/", "/audit/", "/procurement/cycle-times/"]
        urls += [f"/audit/entries/{pk}/" for pk in entries]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            for shown in ("7654321", "7,654,321", "7 654 321"):
                assert shown not in page, url
