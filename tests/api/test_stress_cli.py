"""`sigmasight analytics stress|greeks|scenarios` (#22): the CLI prints the figures the
API serves (the same services), runs ad-hoc and saved scenarios, refuses bad input."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sigmasight.cli.common import console
from sigmasight.cli.main import app
from tests.api.conftest import Headers, get

FUND = "Long/Short Equity Fund"
runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables printed in full (a fresh console 200 columns wide, reset afterwards)."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(console, "_console", None)


def _cli(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["analytics", *args, "--database-url", url])
    return result.exit_code, result.output


def test_stress_table_and_positions_match_the_api(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], api_database_url: str
) -> None:
    pid = ids[FUND]
    body = get(client, demo_headers, pid, "stress-tests")
    code, out = _cli(api_database_url, "stress", str(pid))
    assert code == 0, out
    for s in body["scenarios"]:
        assert f"{s['pnl']:,.0f}" in out
        assert s["key"] in out
    covid = next(s for s in body["scenarios"] if s["key"] == "covid_2020")
    code, out = _cli(api_database_url, "stress", str(pid), "--scenario", "covid_2020")
    assert code == 0, out
    for p in covid["positions"]:
        assert f"{p['pnl']:,.0f}" in out
    down = next(s for s in body["scenarios"] if s["key"] == "market_down_10")
    code, out = _cli(api_database_url, "stress", str(pid), "--shock", "market=-0.1")
    assert code == 0, out
    assert f"{down['pnl']:,.0f}" in out
    code, out = _cli(api_database_url, "stress", str(pid), "--shock", "nonsense=-0.1")
    assert code == 2
    assert "unknown factors" in out


def test_greeks_match_the_api(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], api_database_url: str
) -> None:
    pid = ids[FUND]
    body = get(client, demo_headers, pid, "greeks")
    code, out = _cli(api_database_url, "greeks", str(pid))
    assert code == 0, out
    assert body["options"]
    for o in body["options"]:
        assert f"{o['position']['delta']:,.2f}" in out
        assert f"{o['position']['vega']:,.2f}" in out
    assert "volatility point" in out


def test_saved_scenarios_add_list_run_remove(ids: dict[str, int], api_database_url: str) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    code, out = _cli(api_database_url, "scenarios", "add", name, "--shock", "market=-0.15")
    assert code == 0, out
    code, out = _cli(api_database_url, "scenarios", "add", name, "--shock", "market=-0.15")
    assert code == 2
    code, out = _cli(api_database_url, "scenarios", "list")
    assert name in out
    code, out = _cli(api_database_url, "stress", str(ids[FUND]), "--scenario", name)
    assert code == 0, out
    assert name in out
    code, out = _cli(api_database_url, "scenarios", "remove", name)
    assert code == 0, out
    code, out = _cli(api_database_url, "scenarios", "list")
    assert name not in out
    code, out = _cli(api_database_url, "scenarios", "add", "bad", "--shock", "market=-3")
    assert code == 2
