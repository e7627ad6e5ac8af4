"""Money is a Decimal amount in an ISO 4217 currency, with that currency's precision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.core.money import ExchangeRate, Money, is_currency, minor_units, validate_currency


@pytest.mark.parametrize(
    ("currency", "places"), [("JPY", 0), ("KRW", 0), ("UAH", 2), ("EUR", 2), ("USD", 2),
                             ("KWD", 3), ("BHD", 3)]
)  # fmt: skip
def test_minor_units(currency: str, places: int) -> None:
    assert minor_units(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1000", "JPY"), ("1000.50", "UAH"), ("1000.5", "UAH"), ("0.01", "EUR"), ("1.234", "KWD"),
     ("-5", "USD"), ("1e3", "JPY")],
)  # fmt: skip
def test_amounts_within_the_currency_precision_are_accepted(amount: str, currency: str) -> None:
    money = Money.parse(amount, currency)
    assert money.amount == Decimal(amount)
    assert money.currency == currency


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1000.5", "JPY"), ("1.00", "JPY"), ("1000.505", "UAH"), ("0.001", "EUR"), ("1.2345", "KWD")],
)
def test_amounts_beyond_the_currency_precision_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Money.parse(amount, currency)
    assert exc.value.code == "precision"


@pytest.mark.parametrize("amount", ["abc", "", "1,000", "NaN", "Infinity", "-inf"])
def test_non_numbers_and_non_finite_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Money.parse(amount, "UAH")
    assert exc.value.code == "amount"


def test_floats_are_never_money() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["ABC", "XAU", "XAG", "XTS", "XXX", "XDR", "US", "USDD", ""])
def test_unknown_or_non_money_currencies_are_refused(code: str) -> None:
    assert not is_currency(code)
    with pytest.raises(ValidationError) as exc:
        validate_currency(code)
    assert exc.value.code == "currency"
    with pytest.raises(ValidationError):
        Money.parse("1", code)


def test_currency_codes_are_case_sensitive_but_parse_normalises_input() -> None:
    assert not is_currency("usd")
    with pytest.raises(ValidationError):
        validate_currency("usd")
    with pytest.raises(ValidationError):
        Money(Decimal("1"), "usd")
    # Parsing user input trims and upper-cases the code before validating it.
    assert Money.parse(" 10 ", " usd ") == Money(Decimal("10"), "USD")


@pytest.mark.parametrize("code", ["usd", "Usd", "uSD", " eur", "uah\n"])
def test_parsing_accepts_any_letter_case_and_stores_upper_case(code: str) -> None:
    money = Money.parse("12.50", code)
    assert money.currency == code.strip().upper()
    assert money.currency.isascii()
    assert is_currency(money.currency)
    assert str(money).endswith(" " + code.strip().upper())


@pytest.mark.parametrize(
    "code",
    ["abc", "xau", "u s d", "us", "usdd", "", "   ", "\u212awd", "\uff55\uff53\uff44", "U\u0405D"],
)
def test_parsing_an_unknown_code_is_a_clear_validation_error(code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Money.parse("1", code)
    assert exc.value.code == "currency"
    message = exc.value.messages[0]
    assert "is not an ISO 4217 currency code" in message
    assert message.startswith(code.strip().upper())


def test_look_alike_letters_are_not_a_currency_code() -> None:
    # KELVIN SIGN, FULLWIDTH and Cyrillic letters are upper case; pycountry folds the Kelvin
    # sign to k, so only an ASCII check keeps them out.
    for code in ("\u212aWD", "\uff35\uff33\uff24", "U\u0405D"):
        assert not is_currency(code)
        with pytest.raises(ValidationError):
            Money(Decimal("1"), code)


def test_a_currency_code_that_is_not_text_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as exc:
        Money.parse("1", None)  # type: ignore[arg-type]
    assert exc.value.code == "currency"


def test_an_exchange_rate_names_two_currencies_in_upper_case() -> None:
    with pytest.raises(ValidationError) as exc:
        ExchangeRate("usd", "UAH", Decimal("41.5"), dt.date(2024, 1, 2), "NBU")
    assert exc.value.code == "currency"
    with pytest.raises(ValidationError):
        ExchangeRate("USD", "XAU", Decimal("0.0005"), dt.date(2024, 1, 2), "NBU")


def test_adding_and_subtracting_the_same_currency() -> None:
    total = Money.parse("10.50", "UAH") + Money.parse("0.75", "UAH")
    assert total == Money(Decimal("11.25"), "UAH")
    assert total - Money.parse("1.25", "UAH") == Money(Decimal("10.00"), "UAH")


@pytest.mark.parametrize("op", ["add", "sub"])
def test_combining_different_currencies_raises(op: str) -> None:
    uah, usd = Money.parse("10", "UAH"), Money.parse("10", "USD")
    with pytest.raises(ValueError, match="convert explicitly"):
        uah + usd if op == "add" else uah - usd


def test_str_shows_the_currency_precision() -> None:
    assert str(Money.parse("1234567.5", "UAH")) == "1,234,567.50 UAH"
    assert str(Money.parse("1000", "JPY")) == "1,000 JPY"
    assert str(Money.parse("1.5", "KWD")) == "1.500 KWD"


def rate(source: str, target: str, value: str) -> ExchangeRate:
    return ExchangeRate(source, target, Decimal(value), dt.date(2024, 1, 2), "NBU")


@pytest.mark.parametrize(
    ("amount", "source", "target", "value", "expected"),
    [
        ("100.00", "USD", "UAH", "37.9824", "3798.24"),
        ("1.00", "USD", "UAH", "37.98745", "37.99"),
        ("10.00", "EUR", "JPY", "157.123", "1571"),
        ("10.00", "EUR", "JPY", "157.189", "1572"),
        ("3.33", "USD", "KWD", "0.30755", "1.024"),
    ],
)
def test_conversion_quantizes_to_the_target_currency(
    amount: str, source: str, target: str, value: str, expected: str
) -> None:
    converted = rate(source, target, value).convert(Money.parse(amount, source))
    assert converted == Money(Decimal(expected), target)
    # Exactly the target's number of decimal places, within half a minor unit of the product.
    assert converted.amount.as_tuple().exponent == -minor_units(target)
    exact = Decimal(amount) * Decimal(value)
    assert abs(converted.amount - exact) <= Decimal(1).scaleb(-minor_units(target)) / 2


def test_a_rate_converts_only_its_source_currency() -> None:
    with pytest.raises(ValueError, match="converts USD"):
        rate("USD", "UAH", "37.98").convert(Money.parse("1", "EUR"))


@pytest.mark.parametrize("value", ["0", "-1.5"])
def test_a_rate_must_be_positive(value: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        rate("USD", "UAH", value).convert(Money.parse("1", "USD"))
