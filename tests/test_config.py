"""Settings: defaults, environment prefix and the default-secret guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sigmasight.config import DEFAULT_JWT_SECRET, Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "ENVIRONMENT", "JWT_SECRET", "DATA_DIR", "FMP_API_KEY"):
        monkeypatch.delenv(f"SIGMASIGHT_{name}", raising=False)


def test_defaults_are_a_local_sqlite_file_and_empty_keys() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.resolved_database_url == "sqlite:///data/sigmasight.db"
    assert settings.fmp_api_key.get_secret_value() == ""
    assert settings.environment == "development"


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIGMASIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SIGMASIGHT_LOG_LEVEL", "DEBUG")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/sigmasight.db"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_default_secret_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="SIGMASIGHT_JWT_SECRET"):
        Settings(environment=environment, _env_file=None)  # type: ignore[call-arg]


def test_short_secret_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment="production", jwt_secret="too-short", _env_file=None)  # type: ignore[call-arg]


def test_private_secret_accepted_in_production() -> None:
    secret = "s3cr3t-from-vault-0123456789abcdef"
    settings = Settings(environment="production", jwt_secret=secret, _env_file=None)  # type: ignore[call-arg]
    assert settings.jwt_secret.get_secret_value() != DEFAULT_JWT_SECRET
    assert "s3cr3t" not in repr(settings)
