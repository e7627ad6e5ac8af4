"""Money: a Decimal amount plus an ISO 4217 currency. Conversions are explicit and dated."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Currencies without minor units; every other active ISO 4217 currency used here has two.
# (ISO 4217 also lists three-decimal currencies such as BHD, KWD, OMR, TND.)
_MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
# Codes that name precious metals, testing or "no currency": not money for a contract.
_NOT_MONEY = {
    "XAU",
    "XAG",
    "XPT",
    "XPD",
    "XTS",
    "XXX",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
    "XDR",
    "XSU",
    "XUA",
}


# Exactly three ASCII capitals: str.isupper() would also accept look-alikes such as the Kelvin
# sign (U+212A), which pycountry's case-insensitive lookup folds to "k" (so "KWD" would pass).
_CODE_RE = re.compile(r"[A-Z]{3}")


def is_currency(code: str) -> bool:
    """An active ISO 4217 code for money, exactly as stored: three upper-case ASCII letters."""
    return (
        isinstance(code, str)
        and _CODE_RE.fullmatch(code) is not None
        and code not in _NOT_MONEY
        and pycountry.currencies.get(alpha_3=code) is not None
    )


def validate_currency(code: str) -> None:
    if not is_currency(code):
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code (for example UAH, EUR, USD)."),
            code="currency",
            params={"code": code},
        )


def minor_units(code: str) -> int:
    return _MINOR_UNITS.get(code, 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money amounts are Decimal, never float.")
        if not self.amount.is_finite():
            raise ValidationError(_("An amount must be a finite number."), code="amount")
        validate_currency(self.currency)
        exponent = self.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > minor_units(self.currency):
            raise ValidationError(
                _("%(currency)s has %(units)s decimal places; %(amount)s has more."),
                code="precision",
                params={
                    "currency": self.currency,
                    "units": minor_units(self.currency),
                    "amount": self.amount,
                },
            )

    @classmethod
    def parse(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Money from user input: the amount as text, the currency code in any letter case
        ("usd", " Usd ") and stored upper-case; anything else is a ValidationError."""
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ValidationError(
                _("%(amount)s is not a number."), code="amount", params={"amount": amount}
            ) from None
        code = currency.strip().upper() if isinstance(currency, str) else currency
        return cls(value, code)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(
                f"Cannot combine {self.currency} and {other.currency}: convert explicitly."
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.{minor_units(self.currency)}f} {self.currency}"


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """One unit of ``source`` is worth ``rate`` units of ``target`` on ``on`` (say which source)."""

    source: str
    target: str
    rate: Decimal
    on: dt.date
    published_by: str

    def __post_init__(self) -> None:
        validate_currency(self.source)
        validate_currency(self.target)

    def convert(self, money: Money) -> Money:
        if money.currency != self.source:
            raise ValueError(f"This rate converts {self.source}, not {money.currency}.")
        if self.rate <= 0:
            raise ValueError("An exchange rate is positive.")
        quantum = Decimal(1).scaleb(-minor_units(self.target))
        return Money((money.amount * self.rate).quantize(quantum), self.target)
