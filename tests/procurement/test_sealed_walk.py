"""During tendering, walk every page each role can reach and every GET endpoint of the API,
and find no price, note or document of a sealed bid anywhere (issue: sealed bids)."""

from __future__ import annotations

import base64
import re
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from spilno.accounts.models import User
from spilno.api import api
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from spilno.procurement.models import Bid
from spilno.procurement.services.bids import BidContent, BidDocument, submit_bid
from tests.procurement.conftest import Travel, World, tender_in_tendering

pytestmark = pytest.mark.django_db

SECRETS = (
    "987654.31",
    "987654,31",
    "987 654",
    "987,654",
    "987654",
    "SEALED-NOTE-51",
    "SEALED-DOC-7F3A",
)
SKIP = re.compile(r"^/(static|media|i18n|accounts/logout|api/v1/docs)")


def _leaks(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace").upper()
    found = [s for s in SECRETS if s.upper() in text]
    # The document's base64 form must not appear either.
    if base64.b64encode(b"SEALED-DOC-7f3a").decode().upper() in text:
        found.append("document (base64)")
    return found


def _crawl(client: Client, must_reach: str, limit: int = 400) -> dict[str, list[str]]:
    seen: set[str] = set()
    queue: deque[str] = deque(["/"])
    leaks: dict[str, list[str]] = {}
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            if response.status_code == 200 and (found := _leaks(body)):
                leaks[url] = found
            continue
        if found := _leaks(response.content):
            leaks[url] = found
        for href in re.findall(rb'href="(/[^"#]*)"', response.content):
            link = href.decode().replace("&amp;", "&")
            if not SKIP.match(link) and link not in seen:
                queue.append(link)
    assert must_reach in seen, f"the crawl never reached {must_reach}"
    return leaks


def _api_paths(ids: dict[str, list[int]]) -> list[str]:
    schema = api.get_openapi_schema()
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"{(\w+)}", path)
        if not params:
            paths.append(path)
            continue
        for name in params:
            for value in ids.get(name, [1]):
                paths.append(path.replace("{" + name + "}", str(value)))
    return paths


def test_nothing_of_a_sealed_bid_can_be_read_anywhere(
    world: World,
    travel: Travel,
    make_user: Callable[..., User],
    bearer: Callable[[User], dict[str, str]],
) -> None:
    tender = tender_in_tendering(world, travel)
    lot = tender.lots.get()
    for index in (0, 1):
        supplier, rep = world.supplier_rep(index)
        submit_bid(
            actor=rep,
            tender=tender,
            lot=lot,
            supplier=supplier,
            content=BidContent(
                Decimal("987654.31"),
                "EUR",
                30,
                notes="SEALED-NOTE-51",
                documents=[BidDocument("Offer", b"SEALED-DOC-7f3a", "offer.txt", "text/plain")],
            ),
            idempotency_key=f"walk-{index}",
        )
    auditor = make_user((world.buyer, Role.AUDITOR), clearance=Level.SECRET)
    admin = make_user((world.buyer, Role.ADMINISTRATOR), clearance=Level.SECRET)
    readers = [world.drafter, world.officer, world.approver, auditor, admin, *world.reps]
    ids: dict[str, Any] = {
        "tender_id": [tender.pk],
        "requirement_id": [world.requirement.pk],
        "plan_id": [world.plan.pk],
        "bid_id": list(Bid.objects.values_list("pk", flat=True)),
        "org_id": [world.buyer.pk, *(s.pk for s in world.suppliers)],
        "organisation_id": [world.buyer.pk],
    }
    for user in readers:
        client = Client()
        client.force_login(user)
        assert _crawl(client, f"/procurement/tenders/{tender.pk}/") == {}, user.username
        headers = bearer(user)
        for path in _api_paths(ids):
            response = client.get(f"/api/v1{path}", **headers)
            assert response.status_code < 500, path
            assert _leaks(response.content) == [], (user.username, path)
    # And the database holds the secrets only as ciphertext.
    assert Bid.objects.filter(amount__isnull=False).count() == 0
