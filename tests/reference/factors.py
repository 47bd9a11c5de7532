"""Factor-exposure figures (``security_factor_exposures``, ``portfolio_factor_exposures``)
recomputed with statsmodels (OLS, ``variance_inflation_factor``), scikit-learn
(``Ridge``), numpy and pandas from the raw stored closes and positions.

Conventions (docs/methodology.md, "Factor exposures"): a factor's daily return is its
long leg's simple return minus its short leg's; it is active on a date when each leg has
at least 126 returns in the 252 sessions ending there. Each series is regressed with an
intercept on the active factors over those 252 sessions (observations: sessions where
the series and every active factor have a return; minimum 126). Ridge: standardised
factors (ddof 0), penalty 0.1 x n, loadings per unit of factor return, no SE/t/p.
Residual volatility sqrt(252 SSR / (n - K - 1)); VIF with a constant; condition number
sqrt(lambda_max / lambda_min) of the factors' correlation matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import Ridge
from statsmodels.stats.outliers_influence import variance_inflation_factor

from tests.reference.books import BookReference

WINDOW, MIN_OBS, PENALTY = 252, 126, 0.1
VIF_FLAG, CONDITION_FLAG = 10.0, 30.0
YEAR = 252

#: (key, long leg, short leg), the registry as docs/methodology.md tables it.
FACTORS: tuple[tuple[str, str, str | None], ...] = (
    ("market", "^GSPC", None),
    ("momentum", "MTUM", "^GSPC"),
    ("quality", "QUAL", "^GSPC"),
    ("size", "SIZE", "^GSPC"),
    ("low_volatility", "USMV", "^GSPC"),
    ("value", "VLUE", "^GSPC"),
    ("growth", "VUG", "^GSPC"),
    ("value_vtv", "VTV", "^GSPC"),
    ("small_cap", "IWM", "^GSPC"),
    ("rates", "TLT", None),
)
METHODS = ("ols", "ridge")


@dataclass(frozen=True)
class Fit:
    """One regression's stored figures (``None`` where there is none)."""

    factors: dict[str, dict[str, float | None]]
    scalars: dict[str, object]
    residual_vol: float | None


class FactorReference:
    def __init__(self, books: BookReference) -> None:
        self.books = books
        self.returns = books.returns
        closes = books.raw.closes
        self.legs = {
            s: closes[s].pct_change(fill_method=None)
            if s in closes
            else pd.Series(np.nan, index=closes.index)
            for _, long, short in FACTORS
            for s in (long, short)
            if s is not None
        }
        self.factor_returns = pd.DataFrame(
            {
                key: self.legs[long] - (self.legs[short] if short else 0.0)
                for key, long, short in FACTORS
            }
        )

    def window(self, day: date) -> pd.Index:
        end = self.books.sessions.index(day)
        return pd.Index(self.books.sessions[max(end - WINDOW + 1, 0) : end + 1])

    def active(self, day: date) -> list[str]:
        F = self.factor_returns.loc[self.window(day)]
        return [key for key in F if F[key].count() >= MIN_OBS]

    def absent(self, day: date) -> dict[str, str]:
        """Why each inactive factor is absent (the first leg lacking returns)."""
        window = self.window(day)
        out = {}
        for key, long, short in FACTORS:
            if key in self.active(day):
                continue
            for symbol in (long, short):
                if symbol is None:
                    continue
                have = int(self.legs[symbol].loc[window].count())
                if have == 0:
                    out[key] = f"no prices for {symbol} in the {WINDOW} sessions to this date"
                    break
                if have < MIN_OBS:
                    out[key] = (
                        f"only {have} returns of {symbol} in the {WINDOW} sessions to this "
                        f"date (needs {MIN_OBS})"
                    )
                    break
            else:
                out[key] = f"fewer than {MIN_OBS} sessions where every leg has a return"
        return out

    # -- one regression -----------------------------------------------------------
    def fit(self, y: pd.Series, day: date, method: str) -> Fit | None:
        """``y`` over the window ending at ``day`` on the active factors (None: too few
        observations)."""
        keys = self.active(day)
        frame = pd.concat([y.rename("y"), self.factor_returns[keys]], axis=1).loc[self.window(day)]
        frame = frame.dropna()
        n, K = len(frame), len(keys)
        if n < max(MIN_OBS, K + 2):
            return None
        F, target = frame[keys].to_numpy(), frame["y"].to_numpy()
        design = sm.add_constant(F, has_constant="add")
        vif = [float(variance_inflation_factor(design, k + 1)) for k in range(K)]
        condition = math.sqrt(float(np.linalg.cond(np.corrcoef(F, rowvar=False))))
        if method == "ols":
            res = sm.OLS(target, design).fit()
            coef, intercept = res.params[1:], float(res.params[0])
            ssr, r2, adj = float(res.ssr), float(res.rsquared), float(res.rsquared_adj)
            stats = {
                keys[k]: {
                    "loading": float(coef[k]),
                    "std_error": float(res.bse[k + 1]),
                    "t_stat": float(res.tvalues[k + 1]),
                    "p_value": float(res.pvalues[k + 1]),
                    "vif": vif[k],
                }
                for k in range(K)
            }
        else:
            sigma = F.std(axis=0, ddof=0)
            z = (F - F.mean(axis=0)) / sigma
            model = Ridge(alpha=PENALTY * n, fit_intercept=True).fit(z, target)
            coef = model.coef_ / sigma
            intercept = float(model.intercept_ - (coef * F.mean(axis=0)).sum())
            resid = target - model.predict(z)
            ssr = float(resid @ resid)
            r2 = float(model.score(z, target))
            adj = 1.0 - (1.0 - r2) * (n - 1) / (n - K - 1)
            stats = {
                keys[k]: {
                    "loading": float(coef[k]),
                    "std_error": None,
                    "t_stat": None,
                    "p_value": None,
                    "vif": vif[k],
                }
                for k in range(K)
            }
        residual_vol = math.sqrt(YEAR * ssr / (n - K - 1))
        return Fit(
            factors=stats,
            scalars={
                "intercept": intercept,
                "r_squared": r2,
                "adj_r_squared": adj,
                "residual_vol": residual_vol,
                "condition_number": condition,
                "observations": n,
            },
            residual_vol=residual_vol,
        )

    # -- security rows ------------------------------------------------------------
    def security_row(self, symbol: str, day: date, method: str) -> dict[str, object]:
        """Every stored column of a security's row (but the key)."""
        fit = self.fit(self.returns[symbol], day, method)
        if fit is None:
            y = self.returns[symbol].loc[self.window(day)]
            F = self.factor_returns.loc[self.window(day), self.active(day)]
            n = int((y.notna() & F.notna().all(axis=1)).sum())
            return {
                "factors": {k: dict.fromkeys(_FIELDS) for k in self.active(day)},
                **dict.fromkeys(("intercept", "r_squared", "adj_r_squared")),
                "residual_vol": None,
                "condition_number": None,
                "observations": n,
                "reason": "INSUFFICIENT_DATA",
                "flags": [],
            }
        flags = [f"vif:{k}" for k, v in fit.factors.items() if (v["vif"] or 0) > VIF_FLAG]
        if float(fit.scalars["condition_number"]) > CONDITION_FLAG:  # type: ignore[arg-type]
            flags.append("condition_number")
        return {"factors": fit.factors, **fit.scalars, "reason": "OK", "flags": flags}

    # -- portfolio rows -------------------------------------------------------------
    def portfolio_row(self, portfolio: int, day: date) -> dict[str, object]:
        books = self.books
        lots = books.held(portfolio, day)
        nav = books.nav(portfolio, day)
        exposure = books.security_exposures(lots)
        exposure = exposure[exposure != 0]
        weights = exposure / nav
        window = self.window(day)
        series = pd.Series(
            self.returns.loc[window, list(weights.index)].to_numpy() @ weights.to_numpy(),
            index=window,
        )
        return {
            "window": WINDOW,
            "nav": nav,
            "absent": self.absent(day),
            **{m: self._portfolio_method(exposure, nav, series, day, m) for m in METHODS},
        }

    def _portfolio_method(
        self, exposure: pd.Series, nav: float, series: pd.Series, day: date, method: str
    ) -> dict[str, object]:
        keys = self.active(day)
        fits = {s: self.fit(self.returns[s], day, method) for s in exposure.index}
        covered = exposure[[s for s in exposure.index if fits[s] is not None]]
        loadings = pd.DataFrame(
            {s: {k: fits[s].factors[k]["loading"] for k in keys} for s in covered.index}  # type: ignore[union-attr]
        ).T.reindex(columns=keys)
        currency = covered @ loadings if len(covered) else pd.Series(0.0, index=keys)
        weighted = currency / nav
        se = None
        if method == "ols":
            errors = pd.DataFrame(
                {s: {k: fits[s].factors[k]["std_error"] for k in keys} for s in covered.index}  # type: ignore[union-attr]
            ).T.reindex(columns=keys)
            se = np.sqrt((covered**2) @ (errors.astype(float) ** 2)) / abs(nav)
        resid = pd.Series({s: fits[s].residual_vol for s in covered.index}, dtype=float)  # type: ignore[union-attr]
        specific = float(((covered / nav) ** 2 * resid**2).sum())
        cov = self.factor_returns.loc[self.window(day), keys].dropna().cov(ddof=1) * YEAR
        marginal = cov @ weighted
        contribution = weighted * marginal
        factor_var = float(contribution.sum())
        total = factor_var + specific
        direct = self.fit(series, day, method)
        factors = {}
        for k in keys:
            d = direct.factors[k] if direct is not None else dict.fromkeys(_FIELDS)
            w = float(weighted[k])
            factors[k] = {
                "weighted": w,
                "weighted_se": None if se is None else float(se[k]),
                "direct": d["loading"],
                "direct_se": d["std_error"],
                "direct_t": d["t_stat"],
                "direct_p": d["p_value"],
                "difference": None if d["loading"] is None else w - d["loading"],
                "exposure": float(currency[k]),
                "risk_contribution": float(contribution[k]),
                "risk_share": float(contribution[k]) / total,
            }
        diag = direct.scalars if direct is not None else {}
        n_direct = int(
            (series.notna() & self.factor_returns.loc[series.index, keys].notna().all(axis=1)).sum()
        )
        return {
            "factors": factors,
            "direct": {
                "r_squared": diag.get("r_squared"),
                "adj_r_squared": diag.get("adj_r_squared"),
                "residual_vol": diag.get("residual_vol"),
                "condition_number": diag.get("condition_number"),
                "observations": n_direct,
                "reason": "OK" if direct is not None else "INSUFFICIENT_DATA",
            },
            "risk": {
                "total_variance": total,
                "total_volatility": math.sqrt(total) if total >= 0 else None,
                "factor_variance": factor_var,
                "specific_variance": specific,
                "specific_share": specific / total,
            },
            "positions_covered": len(covered),
            "positions_held": len(exposure),
        }


_FIELDS = ("loading", "std_error", "t_stat", "p_value", "vif")
