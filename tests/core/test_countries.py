"""ISO 3166-1 alpha-2 country codes, with English and Ukrainian names."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from spilno.core.countries import country_choices_codes, country_name, validate_country


@pytest.mark.parametrize("code", ["UA", "FR", "US", "NO", "LU", "BE", "GB", "PL"])
def test_real_country_codes_are_accepted(code: str) -> None:
    validate_country(code)


@pytest.mark.parametrize("code", ["XX", "ua", "Ua", "UKR", "U", "", "EU", "12", "ZZ"])
def test_unknown_lowercase_or_alpha3_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_country(code)
    assert exc.value.code == "country"


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        ("UA", "uk", "Україна"),
        ("UA", "en", "Ukraine"),
        ("FR", "uk", "Франція"),
        ("US", "en", "United States"),
        ("NO", "en", "Norway"),
    ],
)
def test_country_names_in_english_and_ukrainian(code: str, language: str, name: str) -> None:
    assert country_name(code, language) == name


def test_country_name_follows_the_active_language_by_default() -> None:
    with translation.override("uk"):
        assert country_name("UA") == "Україна"
    with translation.override("en"):
        assert country_name("UA") == "Ukraine"


def test_unknown_country_name_falls_back_to_the_code() -> None:
    assert country_name("XX", "en") == "XX"


def test_choices_cover_every_iso_country_once() -> None:
    codes = country_choices_codes()
    assert len(codes) == len(set(codes)) >= 249
    assert {"UA", "FR", "US"} <= set(codes)
