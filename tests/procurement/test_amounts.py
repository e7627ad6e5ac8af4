"""One amount rule for every procurement service: currency minor units, positive, storable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from spilno.procurement.services.common import money_amount
from tests.procurement.conftest import Travel, World, draft_tender

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "The amount must be positive."),
        ("-1", "The amount must be positive."),
        ("10000000000000", "The amount has at most 13 digits before the decimal point."),
        ("1.001", None),  # EUR has two minor digits
        ("abc", "Not a valid amount."),
    ],
)
def test_bad_amounts_are_field_errors(value: str, message: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        money_amount(value, "EUR", "value")
    assert list(caught.value.message_dict) == ["value"]
    if message:
        assert caught.value.message_dict["value"] == [message]


def test_signed_amounts_and_the_largest_storable_one() -> None:
    assert money_amount("-250.50", "EUR", "change", signed=True) == Decimal("-250.50")
    assert money_amount("9999999999999.99", "EUR", "value") == Decimal("9999999999999.99")


def test_a_lot_value_too_large_to_store_is_refused(world: World, travel: Travel) -> None:
    with pytest.raises(ValidationError) as caught:
        draft_tender(world, value="10000000000000")
    assert "lots.1.value" in caught.value.message_dict
