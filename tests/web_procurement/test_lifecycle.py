"""A whole open tender run through the web pages, role by role: requirement → tender → sealed
bids → opening → evaluation → award → contract → delivery, with every page rendered for the
people who use it, and the sealed bid's amount never on a page before opening."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from spilno.accounts.models import User
from spilno.procurement.models import Bid, BidVersion, Contract, Tender
from spilno.procurement.services.chronograph import tick
from tests.procurement.conftest import Travel, World

pytestmark = pytest.mark.django_db

Clients = Callable[[User], Client]
AMOUNTS = ("1234567.89", "1234567", "1,234,567", "1 234 567", "1\xa0234\xa0567", "1.234.567")


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', page)
    assert match, f"no hidden {name} on the page"
    return match.group(1)


def ok(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, object], status: int = 302) -> str:
    response = client.post(url, data)
    assert response.status_code == status, (url, response.status_code, _errors(response))
    return response.content.decode()


def _errors(response: object) -> list[str]:
    text = getattr(response, "content", b"").decode()
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)


def create_tender_through_the_form(world: World, travel: Travel, client: Client) -> Tender:
    page = ok(client, "/procurement/tenders/new/")
    assert world.requirement.reference in page
    req = world.requirement.pk
    now = travel.now
    post(
        client,
        "/procurement/tenders/new/",
        {
            "plan": world.plan.pk,
            "method": "open",
            "currency": "EUR",
            "title_en": "155 mm shells for the brigade",
            "award_criteria": "lowest_price",
            "weight_price": 100,
            "weight_delivery": 0,
            "weight_quality": 0,
            "max_awards": 1,
            "enquiry_end": local(now + dt.timedelta(days=4)),
            "tender_end": local(now + dt.timedelta(days=12)),
            "classification": 0,
            "requirements": [req],
            f"value_{req}": "1500000",
        },
    )
    return Tender.objects.get(title_en="155 mm shells for the brigade")


def test_an_open_tender_through_the_pages(
    world: World, travel: Travel, client_for: Clients
) -> None:
    drafter, officer, approver = (
        client_for(u) for u in (world.drafter, world.officer, world.approver)
    )
    alpha, bravo, charlie = (client_for(u) for u in world.reps)

    tender = create_tender_through_the_form(world, travel, drafter)
    detail = f"/procurement/tenders/{tender.pk}/"
    assert tender.status == "draft"
    assert tender.lots.get().value == Decimal("1500000")

    # The approver approves the plan (the drafter may not: separation of duties).
    plan = f"/procurement/plans/{world.plan.pk}/"
    assert "Approve the plan" not in ok(drafter, plan)
    assert "Approve the plan" in ok(approver, plan)
    post(approver, plan + "approve/", {})
    tender.refresh_from_db()
    assert tender.status == "planned"

    assert "Publish" in ok(drafter, detail)
    post(drafter, detail + "publish/", {})
    tender.refresh_from_db()
    assert tender.status == "active.enquiries"

    # Enquiries: a supplier asks (anonymously), the buyer answers.
    assert "Ask a question" in ok(alpha, detail)
    assert "Ask a question" not in ok(officer, detail)
    post(
        alpha,
        detail + "questions/",
        {"ask-supplier": world.suppliers[0].pk, "ask-text": "Is STANAG 4425 required?"},
    )
    question = tender.questions.get()
    post(
        officer,
        detail + f"questions/{question.pk}/answer/",
        {f"answer-{question.pk}-answer": "Yes."},
    )
    page = ok(charlie, detail)
    assert "Is STANAG 4425 required?" in page
    assert "Yes." in page
    assert world.suppliers[0].name not in page  # the asker stays anonymous

    travel.by(days=4)
    tick()
    tender.refresh_from_db()
    assert tender.status == "active.tendering"

    # Alpha bids through the form; sending the same form twice stores one version.
    page = ok(alpha, detail)
    assert "Submit sealed bid" in page
    assert "Bids are sealed until" in page
    key = hidden(page, "bid-idempotency_key")
    form = {
        "bid-supplier": world.suppliers[0].pk,
        "bid-lot": tender.lots.get().pk,
        "bid-amount": "1234567.89",
        "bid-delivery_days": 45,
        "bid-notes": "Made in Ukraine.",
        "bid-idempotency_key": key,
    }
    post(alpha, detail + "bids/", form)
    post(alpha, detail + "bids/", form)
    alpha_bid = Bid.objects.get(tender=tender, supplier=world.suppliers[0])
    assert BidVersion.objects.filter(bid=alpha_bid).count() == 1
    assert alpha_bid.amount is None
    own = ok(alpha, detail)
    receipt = alpha_bid.versions.get().receipt
    assert receipt in own  # the supplier sees its receipt and version count
    assert "Withdraw" in own

    # Bravo bids too (the other form gets a fresh key).
    page = ok(bravo, detail)
    assert receipt not in page
    post(
        bravo,
        detail + "bids/",
        {
            "bid-supplier": world.suppliers[1].pk,
            "bid-lot": tender.lots.get().pk,
            "bid-amount": "1300000",
            "bid-delivery_days": 30,
            "bid-idempotency_key": hidden(page, "bid-idempotency_key"),
        },
    )

    # No page shown to the buyer, the approver or another supplier holds Alpha's amount.
    requirement = f"/requirements/{world.requirement.pk}/"
    pages = [
        detail, "/procurement/tenders/", plan, "/procurement/plans/", "/procurement/contracts/",
        "/procurement/cycle-times/", "/procurement/suppliers/", requirement, "/requirements/",
        f"/procurement/suppliers/{world.suppliers[0].pk}/", "/",
    ]  # fmt: skip
    for client in (drafter, officer, approver, bravo, charlie):
        for url in pages:
            page = ok(client, url)
            for shown in AMOUNTS:
                assert shown not in page, (url, shown)
            assert "Made in Ukraine" not in page
    buyer_view = ok(officer, detail)
    assert "Bids are sealed until" in buyer_view
    assert receipt not in buyer_view
    assert "Withdraw" not in buyer_view

    # After the deadline: the drafter may not open; the officer opens.
    assert tender.tender_end is not None
    travel.to(tender.tender_end + dt.timedelta(seconds=1))
    assert "Open the bids" not in ok(drafter, detail)
    assert drafter.post(detail + "open/", {}).status_code == 403
    post(officer, detail + "open/", {})
    tender.refresh_from_db()
    assert tender.status == "active.evaluation"
    assert tender.opened_at is not None
    page = ok(charlie, detail)
    assert "1,234,567.89" in page or "1234567.89" in page

    # Evaluation: the officer qualifies both; the approver decides the award.
    for b in tender.bids.all():
        post(officer, detail + f"bids/{b.pk}/qualify/", {f"qualify-{b.pk}-decision": "qualified"})
    assert "Evaluation ranking" in ok(approver, detail)
    post(approver, detail + "award/", {"award-note": "Cheapest qualified bid."})
    tender.refresh_from_db()
    assert tender.status == "active.awarded"
    assert tender.awards.get().supplier == world.suppliers[0]

    # Bravo complains during the standstill; the approver dismisses it.
    page = ok(bravo, detail)
    assert "Complain about the award" in page
    post(
        bravo,
        detail + "complaints/",
        {
            "complaint-complainant": world.suppliers[1].pk,
            "complaint-text": "Their delivery time is unrealistic.",
        },
    )
    complaint = tender.complaints.get()
    post(
        approver,
        detail + f"complaints/{complaint.pk}/decide/",
        {f"decide-{complaint.pk}-outcome": "dismissed", f"decide-{complaint.pk}-reason": "No."},
    )
    assert tender.standstill_end is not None
    travel.to(tender.standstill_end + dt.timedelta(minutes=1))
    tick()
    contract = Contract.objects.get(tender=tender)
    url = f"/procurement/contracts/{contract.pk}/"
    assert "Sign for the buyer" in ok(officer, url)
    assert "Sign for the supplier" in ok(alpha, url)
    assert "Sign for" not in ok(bravo, url)  # a public contract, but not Bravo's to sign
    assert bravo.post(url + "sign/", {}).status_code == 403
    post(officer, url + "sign/", {})
    post(alpha, url + "sign/", {})
    contract.refresh_from_db()
    assert contract.status == "active"

    # Delivery: scheduled by the buyer, shipped by the supplier, received short, accepted.
    item = contract.items.get()
    post(
        officer,
        url + "deliveries/",
        {
            "schedule-due_date": (travel.now + dt.timedelta(days=30)).date().isoformat(),
            "schedule-receiving_unit": world.unit.pk,
            f"schedule-item_{item.pk}": "400",
        },
    )
    delivery = contract.deliveries.get()
    assert "Mark shipped" in ok(alpha, url)
    post(alpha, url + f"deliveries/{delivery.pk}/ship/", {})
    line = delivery.lines.get()
    post(
        officer,
        url + f"deliveries/{delivery.pk}/receive/",
        {f"receive-{delivery.pk}-line_{line.pk}": "350"},
    )
    page = ok(officer, url)
    assert "Short delivery" in page
    assert "Accept" in page
    post(officer, url + f"deliveries/{delivery.pk}/accept/", {})
    delivery.refresh_from_db()
    assert delivery.status == "accepted"

    # The requirement's ledger links back to the contract and shows the delivered share.
    page = ok(officer, requirement)
    assert f'href="{url}"' in page
    assert "35.0%" in page or "35%" in page

    # Every other page renders for the people who use it.
    for client in (drafter, officer, approver, alpha, bravo, charlie):
        for target in [*pages, url, f"/procurement/suppliers/{world.suppliers[0].pk}/"]:
            ok(client, target)
    for target in ("/procurement/tenders/new/", "/procurement/plans/new/", "/requirements/new/",
                   f"/requirements/{world.requirement.pk}/edit/"):  # fmt: skip
        ok(officer, target)
