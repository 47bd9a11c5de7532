"""The tearsheet of a portfolio as HTML (one self-contained offline file, Plotly
inlined), Markdown, JSON or PDF (the HTML printed by Chromium).

Every figure is a service's (see :mod:`sigmasight.services.tearsheet`); this module only
lays them out. The charts are :mod:`sigmasight.charts`' builders, the dashboard's too, so a
chart in the report is the chart on the page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sigmasight.services.tearsheet import TOP_CONTRIBUTORS, Tearsheet
from sigmasight.web.formatting import money, num, pct

CONVENTIONS = (
    "Returns are time-weighted daily NAV returns net of flows (contributions at the start "
    "of the session, withdrawals at the end); periods in trading sessions (252 a year), "
    "annualised beyond a year; XIRR on actual/365 days. VaR and CVaR are positive numbers "
    "meaning a loss. Exposures are delta-adjusted (a short is negative). Every figure uses "
    "data up to the as-of date only (docs/methodology.md)."
)
FORMATS = ("html", "md", "json", "pdf")


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    chart: str | None = None  # id of a figure in :func:`figures`
    note: str = ""


def coverage(t: Tearsheet) -> str:
    p = t.views.get("performance")
    if p is None or not p.view.series:
        return "no stored performance history"
    v = p.view
    return (
        f"inception {v.inception}; performance history stored from {v.series[0].date} to "
        f"{v.as_of} ({len(v.series)} sessions)"
    )


def sections(t: Tearsheet) -> list[Section]:
    o = t.views["overview"]
    out = [
        Section(
            "Summary",
            [
                ("As of", t.as_of.isoformat()),
                ("NAV", money(o.nav, 2)),
                ("Daily P&L", f"{money(o.daily_pnl, 2)} ({pct(o.daily_return, 2)})"),
                ("Long / short", f"{money(o.exposures.long)} / {money(o.exposures.short)}"),
                ("Gross / net exposure", f"{money(o.exposures.gross)} / {money(o.exposures.net)}"),
                ("Leverage (gross / NAV)", num(o.exposures.leverage)),
                ("Data coverage", coverage(t)),
            ],
        )
    ]  # fmt: skip
    out += _performance(t) + _risk(t) + _holdings(t)
    for name, why in t.missing.items():
        out.append(Section(f"{name.capitalize()} (not available)", note=why))
    return out


def _performance(t: Tearsheet) -> list[Section]:
    p = t.views.get("performance")
    if p is None:
        return []
    v = p.view
    annual = f" (annualised {pct(v.twr.annualized, 2)})" if v.twr.annualized is not None else ""
    xirr = pct(v.mwr.xirr, 2) if v.mwr.xirr is not None else f"none: {v.mwr.reason}"
    out = [
        Section(
            "Performance",
            [("TWR since inception", pct(v.twr.cumulative, 2) + annual), ("XIRR", xirr)],
            ["Period", "Return", "Annualised"],
            [[k, pct(r.total, 2), pct(r.annualized, 2) if r.annualized is not None else ""]
             for k, r in v.periods.items()],
            "cumulative",
            f"Benchmarks: {', '.join(c.name for c in p.benchmarks)}; primary {p.primary}.",
        ),
        Section(
            "Monthly returns", [], ["Month", "Return"],
            [[f"{m.year}-{m.month:02d}", pct(m.total, 2)] for m in p.months], "monthly",
        ),
    ]  # fmt: skip
    c = p.comparison
    if c is not None:
        out.append(
            Section(
                f"Against {c.benchmark} over {c.window} ({c.observations} sessions)",
                [("Excess return", pct(c.excess_return, 2)),
                 ("Tracking error", pct(c.tracking_error, 2)),
                 ("Information ratio", num(c.information_ratio)), ("Beta", num(c.beta)),
                 ("Jensen's alpha", pct(c.alpha, 2)), ("Correlation", num(c.correlation)),
                 ("Up / down capture", f"{num(c.up_capture)} / {num(c.down_capture)}"),
                 ("Hit rate", pct(c.hit_rate, 1))],
            )
        )  # fmt: skip
    a = t.views.get("attribution")
    if a is not None:
        rows = [[x.name, pct(x.contribution, 2)] for x in a.factors if x.contribution is not None]
        rows += [["Specific", pct(a.specific, 2)], ["Total (TWR)", pct(a.total_return, 2)]]
        out.append(Section(f"Return attribution {a.start} to {a.end}", [], ["Part", "Contribution"],
                           rows, "attribution", a.method))  # fmt: skip
        out.append(Section("Return attribution by sector", [], ["Sector", "Contribution"],
                           [[x.name, pct(x.contribution, 2)] for x in a.sectors],
                           note=a.sector_method))  # fmt: skip
    return out


def _risk(t: Tearsheet) -> list[Section]:
    out = []
    m, dd = t.views.get("risk"), t.views.get("drawdowns")
    if m is not None:
        var = {(e.method, e.confidence, e.scaling): e for e in m.ex_ante.var}
        rows = [(f"VaR / CVaR {int(100 * c)}% 1 day (historical)",
                 f"{pct(var[('historical', c, 'one_day')].var, 2)} / "
                 f"{pct(var[('historical', c, 'one_day')].cvar, 2)}")
                for c in (0.95, 0.99) if ("historical", c, "one_day") in var]  # fmt: skip
        rows += [
            ("Volatility (ex-ante, annualised)", pct(m.ex_ante.volatility, 2)),
            ("Sharpe / Sortino", f"{num(m.realized.sharpe)} / {num(m.realized.sortino)}"),
            ("Risk level", m.risk_level or "–"),
        ]  # fmt: skip
        out.append(Section("Risk metrics", rows, note=m.conventions))
    if dd is not None:
        out.append(
            Section(
                "Drawdowns",
                [("Maximum drawdown", pct(dd.max_drawdown, 2)),
                 ("Current drawdown", pct(dd.current_drawdown, 2))],
                ["Peak", "Trough", "Recovery", "Depth"],
                [[str(e.peak), str(e.trough), str(e.recovery or "–"), pct(e.depth, 2)]
                 for e in dd.episodes],
                "underwater",
            )
        )  # fmt: skip
    if t.views.get("series") is not None:
        out.append(Section("Rolling volatility and beta", chart="rolling",
                           note="21-session realized volatility (annualised) and the direct "
                                "90-session beta of each stored snapshot."))  # fmt: skip
    return out


def _holdings(t: Tearsheet) -> list[Section]:
    out = []
    s, f, c = t.views.get("sectors"), t.views.get("factors"), t.views.get("contributors")
    if s is not None:
        out.append(Section("Sectors", [], ["Sector", "Long", "Short", "Net", "S&P 500"],
                           [[b.sector, pct(b.long), pct(b.short), pct(b.net), pct(b.benchmark)]
                            for b in s.buckets], note=s.convention))  # fmt: skip
    if f is not None:
        out.append(Section("Factor exposures (OLS, per unit of NAV)", [],
                           ["Factor", "Weighted loading", "Risk share"],
                           [[x.name, num(x.weighted, 3), pct(x.risk_share)]
                            for x in f.factors if x.active]))  # fmt: skip
    if c is not None:
        top = sorted(c.contributions, key=lambda x: -(x.component or 0.0))[:TOP_CONTRIBUTORS]
        out.append(Section(f"Top {TOP_CONTRIBUTORS} risk contributors (volatility)", [],
                           ["Position", "Weight", "Contribution", "Share"],
                           [[x.key, pct(x.weight), pct(x.component, 2), pct(x.percent)]
                            for x in top], note=c.conventions))  # fmt: skip
    return out


def figures(t: Tearsheet) -> dict[str, Any]:
    """The report's Plotly figures (the dashboard's builders), by chart id."""
    from sigmasight.charts import performance as charts_performance
    from sigmasight.charts import portfolio as charts_portfolio
    from sigmasight.charts import risk as charts_risk

    out: dict[str, Any] = {}
    p = t.views.get("performance")
    if p is not None:
        out["cumulative"] = charts_performance.cumulative(p)
        out["monthly"] = charts_performance.monthly_heatmap(p)
    if t.views.get("attribution") is not None:
        out["attribution"] = charts_performance.attribution_bars(t.views["attribution"])
    if t.views.get("drawdowns") is not None:
        out["underwater"] = charts_risk.underwater(t.views["drawdowns"])
    if t.views.get("series") is not None:
        out["rolling"] = charts_portfolio.rolling_volatility_and_beta(t.views["series"])
    return out


def render_json(t: Tearsheet) -> str:
    body = {
        "portfolio_id": t.portfolio_id,
        "name": t.name,
        "as_of": t.as_of.isoformat(),
        "coverage": coverage(t),
        "conventions": CONVENTIONS,
        "sections": {k: dataclasses.asdict(v) for k, v in t.views.items()},
        "missing": t.missing,
    }
    return json.dumps(body, default=_json_default, indent=1, allow_nan=False)


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def render_md(t: Tearsheet) -> str:
    lines = [f"# {t.name}: tearsheet on {t.as_of.isoformat()}", "", CONVENTIONS, ""]
    for s in sections(t):
        lines += [f"## {s.title}", ""]
        lines += [f"- {label}: {value}" for label, value in s.rows]
        if s.columns:
            lines += ["", "| " + " | ".join(s.columns) + " |", "|" + "---|" * len(s.columns)]
            lines += ["| " + " | ".join(row) + " |" for row in s.table]
        if s.note:
            lines += ["", s.note]
        lines.append("")
    return "\n".join(lines)


def render_html(t: Tearsheet) -> str:
    """One self-contained file: styles, data and Plotly inlined, nothing fetched."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from sigmasight.charts.base import PLOTLY_JS

    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=select_autoescape(["html"]),
    )
    figs = json.dumps(figures(t)).replace("</", "<\\/")
    return env.get_template("tearsheet.html").render(
        t=t, sections=sections(t), conventions=CONVENTIONS, figures_json=figs,
        plotly_js=PLOTLY_JS.read_text(encoding="utf-8"),
    )  # fmt: skip


#: The Chromium that prints PDFs unless told otherwise (``SIGMASIGHT_CHROMIUM``): Debian's.
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's flags for printing, the browser tests' own: no sandbox (containers run as
#: root), no GPU, nothing fetched or updated in the background.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Chromium processes printing at once in one server process; further requests wait.
PRINTS_AT_ONCE = 2
PRINT_WAIT_SECONDS = 120
_printers = threading.BoundedSemaphore(PRINTS_AT_ONCE)


class PdfUnavailableError(RuntimeError):
    """No PDF can be printed here: Playwright or Chromium is missing, Chromium did not
    start, or every printer stayed busy; the message says which and what to do."""


def render_pdf(html: str, chromium: Path | str = DEFAULT_CHROMIUM) -> bytes:
    """The HTML printed to A4 by Chromium (through Playwright) once every chart is drawn.

    Synchronous: call it from a thread without a running asyncio loop (a ``def`` route,
    the CLI). Raises :class:`PdfUnavailableError` when nothing can print it.
    """
    executable = Path(chromium)
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        raise PdfUnavailableError(
            f"Chromium was not found at {executable}: install it (apt-get install chromium) "
            "or point SIGMASIGHT_CHROMIUM at it"
        )
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise PdfUnavailableError(
            "Playwright is not installed: install SigmaSight with its pdf extra "
            "(pip install 'sigmasight[pdf]'); it drives the system Chromium"
        ) from exc
    if not _printers.acquire(timeout=PRINT_WAIT_SECONDS):
        raise PdfUnavailableError(
            f"every PDF printer ({PRINTS_AT_ONCE}) stayed busy for {PRINT_WAIT_SECONDS} s: "
            "try again"
        )
    try:
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(
                    executable_path=str(executable), args=list(CHROMIUM_ARGS)
                )
            except Error as exc:
                why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise PdfUnavailableError(f"Chromium at {executable} did not start: {why}") from exc
            try:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                page.wait_for_function("window.tearsheetDrawn === true", timeout=30_000)
                pdf: bytes = page.pdf(format="A4", print_background=True)
                return pdf
            finally:
                browser.close()
    finally:
        _printers.release()


def render(t: Tearsheet, fmt: str, chromium: Path | str = DEFAULT_CHROMIUM) -> bytes:
    if fmt == "json":
        return render_json(t).encode()
    if fmt == "md":
        return render_md(t).encode()
    html = render_html(t)
    return render_pdf(html, chromium) if fmt == "pdf" else html.encode()
