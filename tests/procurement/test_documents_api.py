"""Tender documents through the API: uploaded with their SHA-256, downloadable at the URL given."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from spilno.accounts.models import User
from spilno.procurement.services.tenders import approve_plan, publish_tender
from tests.procurement.conftest import Travel, World, draft_tender

pytestmark = pytest.mark.django_db


def test_a_document_is_stored_with_its_hash_and_served_at_its_url(
    client: Client, world: World, travel: Travel, bearer: Callable[[User], dict[str, str]]
) -> None:
    tender = draft_tender(world)
    content = b"Technical specification, STANAG 4425.\n"
    response = client.post(
        f"/api/v1/tenders/{tender.pk}/documents",
        {"title": "Specification", "file": SimpleUploadedFile("spec.txt", content, "text/plain")},
        **bearer(world.drafter),
    )
    assert response.status_code == 201, response.content
    document = response.json()
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["size"] == len(content)

    reader = Client()
    reader.force_login(world.reps[0])
    assert reader.get(document["url"]).status_code == 404  # a draft is the buyer's own
    approve_plan(actor=world.approver, plan=world.plan)
    publish_tender(actor=world.drafter, tender=tender)
    download = reader.get(document["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content  # type: ignore[attr-defined]

    refused = client.post(
        f"/api/v1/tenders/{tender.pk}/documents",
        {"title": "Spec", "file": SimpleUploadedFile("x.txt", b"x", "text/plain")},
        **bearer(world.reps[0]),
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/tenders/{tender.pk}", **bearer(world.drafter)).json()[
        "documents"
    ] == [document]
