"""Transparency tests reuse the procurement world (its fixtures are imported here so pytest finds
them) and add helpers to read what was published."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from spilno.transparency.models import Release
from spilno.transparency.ocds import standard
from tests.procurement.conftest import _bid_key, travel, world  # noqa: F401  (fixtures)

_release_validator = jsonschema.Draft4Validator(
    standard.release_schema(),
    registry=standard.registry(),
    format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
)
_package_validator = jsonschema.Draft4Validator(
    standard.load("release-package-schema.json"),
    registry=standard.registry(),
    format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
)


def schema_errors(release: dict[str, Any]) -> list[str]:
    """Every error of one release against the official OCDS 1.1.5 release schema."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _release_validator.iter_errors(release)
    ]


def package_errors(package: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _package_validator.iter_errors(package)
    ]


def releases_of(tender: Any) -> list[Release]:
    return list(Release.objects.filter(process__tender=tender).order_by("pk"))


@pytest.fixture
def bulk_dir(settings: Any, tmp_path: Any) -> Any:
    settings.SPILNO_BULK_DIR = tmp_path / "bulk"
    return settings.SPILNO_BULK_DIR
