"""Figures as the pages and the CLI show them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sigmasight.domain.enums import AccountType, InvestmentClass, PositionType
from sigmasight.web.formatting import label, pvalue, quantity


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "–"),
        (0.5, "0.5000"),
        (0.0012, "0.0012"),
        (0.001, "0.0010"),
        (0.00099, "9.9e-04"),
        (3.2e-40, "3.2e-40"),
        (0.0, "0.0000"),
    ],
)
def test_small_p_values_in_scientific_notation(value: float | None, shown: str) -> None:
    assert pvalue(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1000, "1,000"),
        (Decimal("1500.000000"), "1,500"),
        (12.5, "12.5"),
        (-3, "-3"),
        (0.000001, "0.000001"),
        (-0.0, "0"),
        (None, "–"),
    ],
)
def test_quantities_keep_their_fractions(value: float | Decimal | None, shown: str) -> None:
    assert quantity(value) == shown


def test_every_code_has_a_label() -> None:
    for enum in (AccountType, PositionType, InvestmentClass):
        for member in enum:
            assert label(member) != member.value or member.value == "Other", member
            assert label(member) == label(member.value)
    assert label("UNKNOWN_CODE") == "UNKNOWN_CODE"
