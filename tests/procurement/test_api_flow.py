"""The whole tender through the JSON API, each step by the role that may take it."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from spilno.accounts.models import User
from spilno.procurement.services.chronograph import tick
from tests.procurement.conftest import Travel, World

pytestmark = pytest.mark.django_db


def call(client: Client, headers: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    response = getattr(client, method)(
        f"/api/v1{path}", data=body, content_type="application/json", **headers
    )
    return response.status_code, response.json()


def test_tender_through_the_api(
    client: Client, world: World, travel: Travel, bearer: Callable[[User], dict[str, str]]
) -> None:
    drafter, officer, approver = (bearer(u) for u in (world.drafter, world.officer, world.approver))
    reps = [bearer(u) for u in world.reps]
    status, tender = call(
        client,
        drafter,
        "post",
        "/tenders",
        {
            "plan_id": world.plan.pk,
            "method": "open",
            "currency": "EUR",
            "title_en": "155 mm shells",
            "enquiry_end": (travel.now + dt.timedelta(days=4)).isoformat(),
            "tender_end": (travel.now + dt.timedelta(days=12)).isoformat(),
            "lots": [
                {
                    "title_en": "Shells",
                    "value": "1500000.00",
                    "items": [{"requirement_id": world.requirement.pk}],
                }
            ],
        },
    )
    assert status == 201, tender
    tid, lot = tender["id"], tender["lots"][0]["id"]
    assert tender["lots"][0]["items"][0]["quantity"] == "1000.000"

    assert call(client, drafter, "post", f"/plans/{world.plan.pk}/approve")[0] == 403
    assert call(client, approver, "post", f"/plans/{world.plan.pk}/approve")[0] == 200
    assert (
        call(client, drafter, "post", f"/tenders/{tid}/publish")[1]["status"] == "active.enquiries"
    )
    travel.by(days=4)
    tick()

    def offer(i: int, amount: str, key: str, currency: str = "EUR") -> tuple[int, Any]:
        return call(
            client,
            reps[i],
            "post",
            f"/tenders/{tid}/bids",
            {
                "supplier_id": world.suppliers[i].pk,
                "lot_id": lot,
                "amount": amount,
                "currency": currency,
                "delivery_days": 45,
                "idempotency_key": key,
                "documents": [
                    {
                        "title": "Offer",
                        "content_base64": base64.b64encode(b"SECRET-OFFER-DOC").decode(),
                    }
                ],
            },
        )

    status, receipt = offer(0, "1234567.89", "a1")
    assert status == 201
    assert len(receipt["receipt"]) == 64
    assert offer(0, "1234567.89", "a1")[1] == receipt  # retry: same version
    assert offer(0, "1.00", "a1")[0] == 409  # same key, other content
    assert offer(1, "1100000.00", "b1", currency="USD")[0] == 422
    assert offer(1, "1100000.00", "b1")[0] == 201
    assert offer(2, "-5", "c1")[0] == 422
    # Sealed: nobody reads a price before opening; a supplier sees only its own receipt.
    for headers in (drafter, officer, approver, reps[1]):
        for path in (f"/tenders/{tid}", f"/tenders/{tid}/bids", f"/tenders/{tid}/ranking"):
            body = client.get(f"/api/v1{path}", **headers).content
            assert b"1234567" not in body
            assert b"SECRET-OFFER" not in body
    own = call(client, reps[0], "get", f"/tenders/{tid}/bids")[1]
    assert [(b["sealed"], b["amount"], b["receipt"]) for b in own] == [
        (True, None, receipt["receipt"])
    ]

    assert call(client, officer, "post", f"/tenders/{tid}/open")[0] == 422  # before the deadline
    travel.by(days=9)
    assert offer(0, "1000000.00", "a2")[0] == 422  # late
    assert call(client, drafter, "post", f"/tenders/{tid}/open")[0] == 403  # separation of duties
    status, opened = call(client, officer, "post", f"/tenders/{tid}/open")
    assert status == 200
    assert {b["amount"] for b in opened} == {"1234567.89", "1100000.00"}
    for b in opened:
        assert (
            call(client, officer, "post", f"/bids/{b['id']}/qualification", {"qualified": True})[0]
            == 200
        )
    status, awarded = call(client, approver, "post", f"/tenders/{tid}/award", {})
    assert status == 200
    assert awarded["status"] == "active.awarded"
    assert awarded["awards"][0]["supplier_id"] == world.suppliers[1].pk

    travel.by(days=6)
    tick()
    contract_id = call(client, officer, "get", f"/tenders/{tid}")[1]["contract_ids"][0]
    assert call(client, reps[0], "post", f"/contracts/{contract_id}/sign", {"side": "supplier"})[
        0
    ] in (403, 404)
    assert (
        call(client, officer, "post", f"/contracts/{contract_id}/sign", {"side": "buyer"})[0] == 200
    )
    status, contract = call(
        client, reps[1], "post", f"/contracts/{contract_id}/sign", {"side": "supplier"}
    )
    assert contract["status"] == "active"
    item = contract["items"][0]["id"]
    status, delivery = call(
        client,
        officer,
        "post",
        f"/contracts/{contract_id}/deliveries",
        {
            "due_date": (travel.now + dt.timedelta(days=20)).date().isoformat(),
            "lines": [{"item_id": item, "quantity": "1000"}],
        },
    )
    assert status == 201
    assert call(client, reps[1], "post", f"/deliveries/{delivery['id']}/ship")[0] == 200
    assert call(client, officer, "post", f"/deliveries/{delivery['id']}/receive", {})[0] == 200
    status, accepted = call(client, officer, "post", f"/deliveries/{delivery['id']}/accept")
    assert accepted["status"] == "accepted"
    assert accepted["claims"] == []
    requirement = call(client, officer, "get", f"/requirements/{world.requirement.pk}")[1]
    assert requirement["fulfilment"]["delivered"] == "1000.000"
    assert requirement["fulfilment"]["gap"] == "0.000"
    assert call(client, officer, "get", f"/contracts/{contract_id}")[1]["status"] == "complete"
    perf = call(client, officer, "get", f"/suppliers/{world.suppliers[1].pk}/performance")[1]
    assert perf["on_time_rate"] == 1.0
