"""OCDS release and record packages around published releases (package metadata in one place)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse

from spilno.kernel import clock
from spilno.transparency.ocds.merge import compile_release, versioned_release
from spilno.transparency.releases import ocds_time


def public_url(path: str) -> str:
    return settings.SPILNO_PUBLIC_URL.rstrip("/") + path


def _metadata(uri: str) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": ocds_time(clock.now()),
        "publisher": {"name": settings.SPILNO_PUBLISHER_NAME, "uri": public_url("/open/")},
        "license": settings.SPILNO_DATA_LICENSE,
        "publicationPolicy": public_url(reverse("transparency:policy")),
    }


def release_package(releases: Iterable[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {**_metadata(uri), "releases": list(releases)}


def record(ocid: str, releases: list[dict[str, Any]]) -> dict[str, Any]:
    """One record: the releases embedded, their compiled and versioned releases."""
    return {
        "ocid": ocid,
        "releases": releases,
        "compiledRelease": compile_release(releases),
        "versionedRelease": versioned_release(releases),
    }


def record_package(records: Iterable[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {**_metadata(uri), "records": list(records)}
