"""ISO 3166-1 countries (from pycountry), with names in English and Ukrainian."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@cache
def _uk() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["uk"], fallback=True)


def validate_country(code: str) -> None:
    if len(code) != 2 or not code.isupper() or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(
            _("%(code)s is not an ISO 3166-1 alpha-2 country code (for example UA, FR, US)."),
            code="country",
            params={"code": code},
        )


def country_name(code: str, language: str | None = None) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name: str = getattr(country, "common_name", None) or country.name
    if (language or get_language() or "en").startswith("uk"):
        return _uk().gettext(country.name)
    return name


@cache
def country_choices_codes() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c, country_name(c)) for c in country_choices_codes()), key=lambda p: p[1])
