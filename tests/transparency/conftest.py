"""Transparency tests reuse the procurement world (its fixtures are imported here so pytest finds
them) and check what was published with Spilno's validator (the official OCDS 1.1.5 schema plus
the OCDS checks the schema cannot express, e.g. every party reference resolves)."""

from __future__ import annotations

from typing import Any

import pytest

from spilno.transparency.models import Release
from spilno.transparency.ocds import validation
from tests.procurement.conftest import _bid_key, travel, world  # noqa: F401  (fixtures)


def schema_errors(release: dict[str, Any]) -> list[str]:
    """Every issue of one release."""
    return [f"{i.path}: {i.message}" for i in validation.release_errors(release)]


def package_errors(package: dict[str, Any]) -> list[str]:
    return [f"{i.path}: {i.message}" for i in validation.package_errors(package)]


def releases_of(tender: Any) -> list[Release]:
    return list(Release.objects.filter(process__tender=tender).order_by("pk"))


@pytest.fixture
def bulk_dir(settings: Any, tmp_path: Any) -> Any:
    settings.SPILNO_BULK_DIR = tmp_path / "bulk"
    return settings.SPILNO_BULK_DIR
