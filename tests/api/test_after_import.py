"""After an import the numbers appear (issue 13, item 10): the import queues a run of
the portfolio's history from its first entry date (the API's queue), a worker runs it,
the run names what it skipped and why, the page says so instead of "run the batch", and
the template computes against the bundled demo data."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sigmasight.services.resources.batch_runs import priced_range
from sigmasight.services.worker import run_next
from sigmasight.storage.history import BatchRun, PortfolioSnapshot
from sigmasight.storage.uow import UnitOfWork
from tests.api.test_no_server_errors_from_input import _csrf

API = "/api/v1"
Headers = dict[str, str]
HEADER = "Symbol,Quantity,Entry Price Per Share,Entry Date\n"


def _factory(client: TestClient) -> Callable[[], UnitOfWork]:
    factory: Callable[[], UnitOfWork] = client.app.state.uow_factory  # type: ignore[attr-defined]
    return factory


def _import(client: TestClient, headers: Headers, rows: str) -> tuple[int, str]:
    form = {"name": f"Book {uuid.uuid4().hex[:8]}", "equity_balance": "100000"}
    files = {"file": ("book.csv", (HEADER + rows).encode())}
    answer = client.post(f"{API}/portfolios/import", data=form, files=files, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.headers.get("link", "")


def _run_id(link: str) -> str:
    found = re.fullmatch(r'<(/api/v1/batch/runs/([0-9a-f-]+))>; rel="computation"', link)
    assert found, link
    return found.group(2)


def _work(client: TestClient, run_id: str) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    done = run_next(_factory(client), settings, clock=lambda: datetime.now(UTC), run_id=run_id)
    assert done == run_id


def _snapshot_days(client: TestClient, pid: int) -> list[date]:
    with _factory(client)() as uow:
        query = select(PortfolioSnapshot.snapshot_date).where(PortfolioSnapshot.portfolio_id == pid)
        return sorted(uow.session.scalars(query))


def test_api_import_queues_the_history_and_a_worker_computes_it(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    pid, link = _import(client, headers, "AAPL,10,150,2022-06-01\nMSFT,5,250,2022-09-01\n")
    run_id = _run_id(link)
    with _factory(client)() as uow:
        priced = priced_range(uow)
    assert priced is not None
    queued = client.get(f"{API}/batch/runs/{run_id}", headers=headers).json()
    assert (queued["status"], queued["start_date"], queued["end_date"]) == (
        "queued",
        "2022-06-01",
        priced[1].isoformat(),
    )
    assert _snapshot_days(client, pid) == []
    _work(client, run_id)
    done = client.get(f"{API}/batch/runs/{run_id}", headers=headers).json()
    assert (done["status"], done["skipped"], done["errors"]) == ("succeeded", {}, {})
    days = _snapshot_days(client, pid)
    assert (days[0], days[-1]) == (date(2022, 6, 1), priced[1])
    overview = client.get(f"{API}/analytics/portfolio/{pid}/overview", headers=headers)
    assert overview.status_code == 200, overview.text


def test_holdings_without_prices_are_named_in_the_run(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    rows = "TSLA,10,100,2022-06-01\nVOO,5,300,2022-06-01\nAAPL,5,150,2022-06-01\n"
    pid, link = _import(client, headers, rows)
    run_id = _run_id(link)
    _work(client, run_id)
    run = client.get(f"{API}/batch/runs/{run_id}", headers=headers).json()
    assert run["skipped"] == {str(pid): "computed without TSLA, VOO: no prices"}


def test_a_book_after_the_last_price_is_not_queued_and_says_why(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    form = {"name": f"Late {uuid.uuid4().hex[:8]}", "equity_balance": "100000"}
    files = {"file": ("book.csv", (HEADER + "AAPL,10,150,2024-01-16\n").encode())}
    answer = client.post(f"{API}/portfolios/import", data=form, files=files, headers=headers)
    assert answer.status_code == 201, answer.text
    assert "link" not in answer.headers
    assert answer.headers["x-computation-not-queued"].startswith(
        "its first position was entered on 2024-01-16, after the last stored market price"
    )


@pytest.fixture
def web_session(client: TestClient, new_user: Callable[[], Headers]) -> Iterator[str]:
    headers = new_user()
    email = client.get(f"{API}/auth/me", headers=headers).json()["email"]
    token = _csrf(client.get("/login").text)
    body = {"email": email, "password": "correct-horse-battery", "csrf_token": token}
    assert client.post("/login", data=body, follow_redirects=False).status_code == 303
    yield _csrf(client.get("/import").text)
    client.cookies.clear()


def _web_import(client: TestClient, token: str, rows: str) -> str:
    data = {"name": f"Web {uuid.uuid4().hex[:8]}", "equity": "100000", "csrf_token": token}
    files = {"file": ("book.csv", (HEADER + rows).encode())}
    answer = client.post("/import", data=data, files=files, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def test_the_page_says_how_the_computation_goes(client: TestClient, web_session: str) -> None:
    page = _web_import(client, web_session, "AAPL,10,150,2022-06-01\n")
    waiting = client.get(page)
    assert waiting.status_code == 404
    assert "are being computed (queued)" in waiting.text
    assert "run <code>sigmasight batch run</code>" not in waiting.text
    pid = int(page.rsplit("/", 1)[1])
    with _factory(client)() as uow:
        run_id = next(
            r.id
            for r in uow.session.scalars(select(BatchRun).where(BatchRun.status == "queued"))
            if r.portfolio_ids == [pid]
        )
    _work(client, run_id)
    assert client.get(page).status_code == 200

    late = client.get(_web_import(client, web_session, "AAPL,10,150,2024-01-16\n"))
    assert "No figures: its first position was entered on 2024-01-16" in late.text
    assert "run <code>sigmasight batch run</code>" not in late.text
