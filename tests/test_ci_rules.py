"""Under CI nothing is skipped silently, and property tests reproduce (issue #15)."""

from __future__ import annotations

import re
from pathlib import Path

import hypothesis
import pytest

from tests import _ci

TESTS = Path(__file__).resolve().parent


def test_a_missing_requirement_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ci, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="distributed is required under CI=true"):
        _ci.unavailable("distributed", "not installed")


def test_a_missing_requirement_skips_with_the_reason_locally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_ci, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        _ci.unavailable("distributed", "not installed")


def test_every_skip_goes_through_the_ci_rule() -> None:
    """A bare skip or importorskip would pass silently under CI."""
    pattern = re.compile(r"pytest\.skip\(|importorskip\(|mark\.skip(if)?\b")
    offenders = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in TESTS.rglob("*.py")
        if path.name not in {"_ci.py", Path(__file__).name}
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders


def test_the_ci_hypothesis_profile_is_derandomized() -> None:
    ci = hypothesis.settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.print_blob is True
    if _ci.IN_CI:
        assert hypothesis.settings.default.derandomize is True
