from __future__ import annotations

import numpy as np
import pytest

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.exposures import (
    INVESTMENT_CLASSES,
    POSITION_TYPES,
    delta_adjusted_exposure,
    exposure_matrix,
    market_value,
    portfolio_exposures,
)

from ._positions import make_positions

BOOK = [
    (0, 0, "AAPL", 100, 150.0, "LONG"),
    (0, 1, "MSFT", -50, 300.0, "SHORT"),  # negative quantity: direction from the type
    (0, 0, "AAPL 250117C150", 2, 5.0, "LC", "OPTIONS", 150.0, 0.6),
    (0, 1, "MSFT 250117P300", 3, 4.0, "SC", "OPTIONS", 300.0, 0.5),
    (0, -1, "PRIVFUND", 1, 10_000.0, "LONG", "PRIVATE"),
    (1, 2, "SPY", 10, 400.0, "LONG"),
]


def test_market_value_signs_and_option_multiplier() -> None:
    pos = make_positions(BOOK)
    np.testing.assert_allclose(market_value(pos), [15_000, -15_000, 1_000, -1_200, 10_000, 4_000])
    np.testing.assert_allclose(
        delta_adjusted_exposure(pos)[2:4], [2 * 100 * 0.6 * 150.0, -3 * 100 * 0.5 * 300.0]
    )


def test_portfolio_exposures_numbers() -> None:
    """Delta-adjusted exposure (issue #13: options by delta, private holdings apart);
    hand-computed: 15,000 - 15,000 + 2 x 100 x 0.6 x 150 - 3 x 100 x 0.5 x 300."""
    pos = make_positions(BOOK)
    ex = portfolio_exposures(pos, equity=[20_000.0, 0.0], n_portfolios=2)
    np.testing.assert_allclose(ex.long, [33_000, 4_000])
    np.testing.assert_allclose(ex.short, [-60_000, 0])
    np.testing.assert_allclose(ex.gross, [93_000, 4_000])
    np.testing.assert_allclose(ex.net, [-27_000, 4_000])
    assert ex.leverage[0] == pytest.approx(4.65)
    assert ex.net_leverage[0] == pytest.approx(-1.35)
    assert np.isnan(ex.leverage[1])
    assert ex.reason.tolist() == [Reason.OK, Reason.INVALID_DENOMINATOR]
    assert ex.n_positions.tolist() == [5, 1]
    assert ex.n_long.tolist() == [2, 1]
    assert ex.n_short.tolist() == [2, 0]
    assert ex.n_options.tolist() == [2, 0]
    assert ex.n_private.tolist() == [1, 0]
    np.testing.assert_allclose(ex.private_value, [10_000, 0])
    np.testing.assert_allclose(ex.market_value, [15_000 - 15_000 + 1_000 - 1_200 + 10_000, 4_000])
    by_type = dict(zip(POSITION_TYPES, ex.by_position_type[0], strict=True))
    assert by_type == {
        "LONG": 15_000,
        "SHORT": -15_000,
        "LC": 18_000,
        "LP": 0,
        "SC": -45_000,
        "SP": 0,
    }
    by_class = dict(zip(INVESTMENT_CLASSES, ex.by_investment_class[0], strict=True))
    assert by_class == {"PUBLIC": 0.0, "OPTIONS": -27_000.0, "PRIVATE": 0.0}


def test_a_long_put_is_short_exposure_though_its_premium_is_positive() -> None:
    """The long/short demo's hedge: a long put has a positive market value (premium) and a
    negative delta-adjusted exposure; long, short and gross follow the exposure."""
    put = [(0, 0, "AAPL230317P00120000", 50, 3.26, "LP", "OPTIONS", 141.8, -0.31)]
    pos = make_positions(put)
    assert market_value(pos)[0] == pytest.approx(50 * 100 * 3.26)
    assert delta_adjusted_exposure(pos)[0] == pytest.approx(-50 * 100 * 0.31 * 141.8)
    ex = portfolio_exposures(pos, equity=[1e6], n_portfolios=1)
    assert ex.long[0] == 0.0
    assert ex.short[0] == pytest.approx(-50 * 100 * 0.31 * 141.8)
    assert (ex.n_long[0], ex.n_short[0]) == (0, 1)


def test_exposure_matrix_counts_and_merges() -> None:
    pos = make_positions(
        [*BOOK, (1, 2, "SPY", 5, 400.0, "LONG"), (1, 2, "SPY P", 1, 3.0, "LP", "OPTIONS")]
    )
    em = exposure_matrix(pos, n_portfolios=2, n_securities=3)
    dense = em.matrix.toarray()
    np.testing.assert_allclose(dense[0], [15_000 + 18_000, -15_000 - 45_000, 0])
    np.testing.assert_allclose(dense[1], [0, 0, 6_000])
    assert em.n_covered.tolist() == [4, 2]
    assert em.n_options_excluded.tolist() == [0, 1]  # the put without a delta
    assert em.n_private_excluded.tolist() == [1, 0]
    no_opt = exposure_matrix(pos, 2, 3, include_options=False)
    assert no_opt.n_options_excluded.tolist() == [2, 1]
    assert no_opt.n_covered.tolist() == [2, 2]
