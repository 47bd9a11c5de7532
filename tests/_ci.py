"""What a test run may skip: under ``CI=true`` nothing it needs may be missing.

A missing PostgreSQL, Chromium, reference dataset (skfolio's bundled prices) or optional
package (``distributed``) skips the tests that need it on a developer's machine, with the
reason, and fails them under CI, where a skip would hide that they never ran.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, reason: str, *, module_level: bool = False) -> NoReturn:
    """Skip (locally) or fail (under CI) because ``what`` is missing."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)
