"""Secrets: weak JWT secrets refused outside development, the default never served off
loopback, and a cookie key separated from the JWT key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner
from pydantic import ValidationError
from typer.testing import CliRunner

from sigmasight.cli.main import app
from sigmasight.config import (
    DEFAULT_JWT_SECRET,
    ConfigurationError,
    Settings,
    check_serving_secret,
)
from sigmasight.web.setup import cookie_key

WEAK = {
    "32 spaces": " " * 32,
    "32 x a": "a" * 32,
    "default plus a space": DEFAULT_JWT_SECRET + " ",
    "default in capitals": DEFAULT_JWT_SECRET.upper(),
    "a repeated pair": "ab" * 16,
    "31 random bytes": secrets.token_hex(31)[:31],
    "few symbols": "0101100111010010110100101101001011",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file from the working tree
    for name in ("DATABASE_URL", "ENVIRONMENT", "JWT_SECRET"):
        monkeypatch.delenv(f"SIGMASIGHT_{name}", raising=False)


@pytest.mark.parametrize("environment", ["test", "staging", "production"])
@pytest.mark.parametrize("secret", list(WEAK.values()), ids=list(WEAK))
def test_weak_secrets_are_refused_outside_development(environment: str, secret: str) -> None:
    with pytest.raises(ValidationError, match="SIGMASIGHT_JWT_SECRET"):
        Settings(environment=environment, jwt_secret=secret, _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_random_secrets_are_accepted(environment: str) -> None:
    for secret in (secrets.token_hex(16), secrets.token_urlsafe(48)):
        settings = Settings(environment=environment, jwt_secret=secret, _env_file=None)  # type: ignore[call-arg]
        assert settings.jwt_secret.get_secret_value() == secret


def test_default_secret_is_served_on_loopback_only() -> None:
    for environment in ("development", "test"):
        settings = Settings(environment=environment, _env_file=None)  # type: ignore[call-arg]
        for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
            check_serving_secret(settings, host)
        for host in ("0.0.0.0", "::", "192.168.1.4", "example.com"):
            with pytest.raises(ConfigurationError, match="SIGMASIGHT_JWT_SECRET"):
                check_serving_secret(settings, host)
    private = Settings(environment="test", jwt_secret=secrets.token_urlsafe(48), _env_file=None)  # type: ignore[call-arg]
    check_serving_secret(private, "0.0.0.0")


@pytest.mark.parametrize("environment", ["development", "test"])
def test_serve_refuses_a_public_interface_with_the_default_secret(environment: str) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--host", "0.0.0.0"], env={"SIGMASIGHT_ENVIRONMENT": environment}
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "0.0.0.0" in lines[0]
    assert "export SIGMASIGHT_JWT_SECRET=" in lines[0]


def test_cookie_key_is_separated_from_the_jwt_secret() -> None:
    secret = secrets.token_urlsafe(48)
    settings = Settings(environment="production", jwt_secret=secret, _env_file=None)  # type: ignore[call-arg]
    label = b"sigmasight/web-session-cookie/v1"
    expected = hmac.new(secret.encode(), label, hashlib.sha256).hexdigest()
    assert cookie_key(settings) == expected
    assert secret not in cookie_key(settings)
    # A cookie signed with the JWT secret, or with the secret and a suffix, is not ours.
    for key in (secret, secret + "|web-session"):
        forged = TimestampSigner(key).sign(b"payload")
        assert not TimestampSigner(cookie_key(settings)).validate(forged)
