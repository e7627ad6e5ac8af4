"""Classification codes: CPV, NATO Stock Numbers, NATO rank codes, registry identifiers.

Each validator raises ``ValidationError`` with a message naming the rule that failed, so forms
and the API can show it next to the field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DATA = Path(__file__).parent / "data"


def _read_csv(name: str) -> list[dict[str, str]]:
    path = DATA / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- CPV (Common Procurement Vocabulary 2008) -------------------------------------------------

CPV_RE = re.compile(r"^([0-9]{8})-([0-9])\Z")


def cpv_check_digit(digits: str) -> int:
    """Check digit of an 8-digit CPV code (verified on the whole vocabulary: data/SOURCES.md)."""
    return sum(int(d) * w for d, w in zip(digits, (3, 7, 1, 3, 7, 1, 3, 7), strict=True)) % 10


@cache
def cpv_vocabulary() -> dict[str, tuple[str, str]]:
    return {row["code"]: (row["title_en"], row["title_uk"]) for row in _read_csv("cpv.csv")}


def validate_cpv(code: str) -> None:
    match = CPV_RE.match(code)
    if not match:
        raise ValidationError(
            _("A CPV code has 8 digits, a dash and a check digit, like 35300000-7."),
            code="cpv_format",
        )
    digits, check = match.groups()
    vocabulary = cpv_vocabulary()
    if vocabulary:
        # The vocabulary is authoritative: about 6% of official codes carry a check digit the
        # formula does not give (data/SOURCES.md), so the formula only explains a rejection.
        if code not in vocabulary:
            wrong = cpv_check_digit(digits) != int(check)
            raise ValidationError(
                _("%(code)s is not in the CPV 2008 vocabulary%(hint)s."),
                code="cpv_unknown",
                params={"code": code, "hint": _(" (its check digit is wrong)") if wrong else ""},
            )
    elif cpv_check_digit(digits) != int(check):
        raise ValidationError(
            _("The check digit of CPV code %(code)s is wrong."),
            code="cpv_check",
            params={"code": code},
        )


def cpv_title(code: str, language: str = "en") -> str:
    en, uk = cpv_vocabulary().get(code, ("", ""))
    return (uk or en) if language.startswith("uk") else (en or uk)


# --- NATO Stock Numbers ----------------------------------------------------------------------

NSN_RE = re.compile(r"^([0-9]{4})-?([0-9]{2})-?([0-9]{3})-?([0-9]{4})\Z")


@dataclass(frozen=True, slots=True)
class NSN:
    """NATO Stock Number: supply class (FSC), national codification bureau (NCB), item number."""

    fsc: str
    ncb: str
    item: str

    def __str__(self) -> str:
        return f"{self.fsc}-{self.ncb}-{self.item[:3]}-{self.item[3:]}"

    @property
    def ncb_country(self) -> str | None:
        """The bureau's country, when the bureau is in data/ncb_codes.csv."""
        return ncb_codes().get(self.ncb)

    @property
    def niin(self) -> str:
        """The 9-digit NATO Item Identification Number (NCB code + item number)."""
        return self.ncb + self.item


@cache
def ncb_codes() -> dict[str, str]:
    return {row["code"]: row["country_name"] for row in _read_csv("ncb_codes.csv")}


@cache
def fsc_classes() -> dict[str, str]:
    return {row["fsc"]: row["name"] for row in _read_csv("fsc_classes.csv")}


def parse_nsn(value: str) -> NSN:
    """Parse ``1005-01-123-4567`` or ``1005011234567``; check the NCB code and supply class."""
    match = NSN_RE.match(value.strip())
    if not match:
        raise ValidationError(
            _("A NATO Stock Number has 13 digits: 4 (supply class), 2 (codification bureau), "
              "7 (item), like 1005-01-123-4567."),
            code="nsn_format",
        )  # fmt: skip
    fsc, ncb, a, b = match.groups()
    # The bureau list we could source is partial (data/SOURCES.md): an unlisted bureau code is
    # accepted and shown as unknown (``NSN.ncb_country`` is None), never refused.
    classes = fsc_classes()
    if classes and fsc not in classes:
        raise ValidationError(
            _("%(fsc)s is not a NATO supply class."), code="nsn_fsc", params={"fsc": fsc}
        )
    return NSN(fsc, ncb, a + b)


def validate_nsn(value: str) -> None:
    parse_nsn(value)


# --- NATO rank codes (STANAG 2116) -------------------------------------------------------------

RANK_CODE_RE = re.compile(r"^(OR-[1-9]|OF-(?:[1-9]|10|D)|WO-[1-5])\Z")

# Ranks of the Armed Forces of Ukraine after the 2020 reform that aligned senior ranks with NATO
# practice (brigadier general introduced; colonel general abolished).
UKRAINIAN_RANKS: dict[str, tuple[str, str]] = {
    "рекрут": ("recruit", "OR-1"),
    "солдат": ("soldier", "OR-1"),
    "старший солдат": ("senior soldier", "OR-2"),
    "молодший сержант": ("junior sergeant", "OR-4"),
    "сержант": ("sergeant", "OR-5"),
    "старший сержант": ("senior sergeant", "OR-6"),
    "головний сержант": ("chief sergeant", "OR-7"),
    "штаб-сержант": ("staff sergeant", "OR-8"),
    "майстер-сержант": ("master sergeant", "OR-8"),
    "старший майстер-сержант": ("senior master sergeant", "OR-9"),
    "головний майстер-сержант": ("chief master sergeant", "OR-9"),
    "молодший лейтенант": ("junior lieutenant", "OF-1"),
    "лейтенант": ("lieutenant", "OF-1"),
    "старший лейтенант": ("senior lieutenant", "OF-1"),
    "капітан": ("captain", "OF-2"),
    "майор": ("major", "OF-3"),
    "підполковник": ("lieutenant colonel", "OF-4"),
    "полковник": ("colonel", "OF-5"),
    "бригадний генерал": ("brigadier general", "OF-6"),
    "генерал-майор": ("major general", "OF-7"),
    "генерал-лейтенант": ("lieutenant general", "OF-8"),
    "генерал": ("general", "OF-9"),
}


def validate_rank_code(code: str) -> None:
    if not RANK_CODE_RE.match(code):
        raise ValidationError(
            _("%(code)s is not a NATO rank code (OR-1…OR-9, OF-1…OF-10, OF-D, WO-1…WO-5)."),
            code="rank_code",
            params={"code": code},
        )


def nato_rank_code(national_rank: str) -> str:
    """NATO code of a Ukrainian rank given in Ukrainian or English, e.g. 'майор' → 'OF-3'."""
    key = " ".join(national_rank.strip().lower().split())
    for uk, (en, code) in UKRAINIAN_RANKS.items():
        if key in (uk, en):
            return code
    raise ValidationError(
        _("Unknown rank: %(rank)s."), code="rank_unknown", params={"rank": national_rank}
    )


# --- Organisation registry identifiers ---------------------------------------------------------


def edrpou_check_digit(first7: str) -> int:
    """Check digit of a Ukrainian EDRPOU code (Unified State Register of Enterprises)."""
    value = int(first7 + "0")
    weights = (
        (1, 2, 3, 4, 5, 6, 7) if not 30_000_000 <= value < 60_000_000 else (7, 1, 2, 3, 4, 5, 6)
    )
    total = sum(int(d) * w for d, w in zip(first7, weights, strict=True)) % 11
    if total == 10:
        total = sum(int(d) * (w + 2) for d, w in zip(first7, weights, strict=True)) % 11
    return 0 if total == 10 else total


def validate_edrpou(code: str) -> None:
    if not re.fullmatch(r"[0-9]{8}", code):
        raise ValidationError(_("An EDRPOU code has exactly 8 digits."), code="edrpou_format")
    if edrpou_check_digit(code[:7]) != int(code[7]):
        raise ValidationError(
            _("The check digit of EDRPOU code %(code)s is wrong."),
            code="edrpou_check",
            params={"code": code},
        )


# org-id.guide schemes Spilno validates beyond "non-empty"; others are accepted as given.
IDENTIFIER_VALIDATORS = {"UA-EDR": validate_edrpou}
IDENTIFIER_SCHEMES: list[tuple[str, str]] = [
    ("UA-EDR", "UA-EDR: Ukraine, EDRPOU"),
    ("US-EIN", "US-EIN: United States, Employer Identification Number"),
    ("US-SAM", "US-SAM: United States, SAM Unique Entity ID"),
    ("FR-RCS", "FR-RCS: France, Trade and Companies Register (SIREN)"),
    ("NO-BRC", "NO-BRC: Norway, Brønnøysund Register Centre"),
    ("XI-NCAGE", "NCAGE: NATO Commercial and Government Entity code"),
    ("XM-DAC", "XM-DAC: OECD DAC channel code (international organisations)"),
]


def cpv_prefix(code: str) -> str:
    """The significant digits of a CPV code, for "falls under" checks: 35300000-7 → "353".

    CPV is hierarchical by trailing zeros (division, group, class, category); a division keeps
    at least its two digits."""
    digits = code.split("-")[0].strip()
    significant = digits.rstrip("0")
    return significant.ljust(2, "0") if len(significant) < 2 else significant


def cpv_covers(general: str, specific: str) -> bool:
    """Does the CPV category ``general`` include ``specific``?"""
    return specific.split("-")[0].startswith(cpv_prefix(general))
