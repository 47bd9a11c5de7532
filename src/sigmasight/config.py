"""Runtime configuration: one pydantic-settings class, environment prefix ``SIGMASIGHT_``."""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The built-in JWT secret. Only acceptable in development; refused anywhere else.
DEFAULT_JWT_SECRET = "dev-only-insecure-secret-change-me"

#: Shortest JWT secret accepted outside development, in bytes (256 bits of HS256 key).
MIN_SECRET_LENGTH = 32

#: Least entropy a secret's own characters show, in bits (see :func:`secret_weakness`).
MIN_SECRET_BITS = 80

HOW_TO_SET_SECRET = (
    "set one with: export SIGMASIGHT_JWT_SECRET="
    "\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\""
)

Environment = Literal["development", "test", "staging", "production"]


class ConfigurationError(ValueError):
    """The configuration is unusable (for example the default secret outside development)."""


class Settings(BaseSettings):
    """Everything SigmaSight reads from the environment (or a ``.env`` file)."""

    model_config = SettingsConfigDict(
        env_prefix="SIGMASIGHT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = "development"
    data_dir: Path = Field(default=Path("data"), description="Where the embedded database lives.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file in data_dir.",
    )
    jwt_secret: SecretStr = SecretStr(DEFAULT_JWT_SECRET)
    jwt_access_minutes: int = Field(default=30, ge=1)
    jwt_refresh_days: int = Field(default=7, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    fmp_api_key: SecretStr = SecretStr("")
    yahoo_enabled: bool = False
    market_data_providers: str = Field(
        default="demo", description="Comma-separated provider chain, tried in order."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (e.g. 10.0.0.0/8); empty: the header is ignored.",
    )
    login_attempts: int = Field(
        default=5, ge=1, description="Failed logins per account and client per window."
    )
    login_window_seconds: int = Field(default=300, ge=1)
    hash_concurrency: int = Field(
        default=2, ge=1, description="Password hashes computed at once (64 MiB each)."
    )
    public_url: str = Field(
        default="",
        pattern=r"^(https?://[^/?#\s]+)?$",
        description="Scheme and host the site is reached at (https://risk.example.com); "
        "redirects use it, or relative paths when empty. Never taken from a request's Host.",
    )
    risk_free_rate: float = Field(
        default=0.0,
        ge=-0.05,
        le=0.5,
        description="Annual risk-free rate (fraction) of the risk ratios; compounded to a "
        "per-session rate by (1 + r)^(1/252) - 1.",
    )

    chromium: Path = Field(
        default=Path("/usr/bin/chromium"),
        description="The system Chromium that prints PDF tearsheets (through Playwright, "
        "the pdf extra); Playwright never downloads a browser.",
    )

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsed once to refuse a typo
        except ValueError as exc:
            raise ConfigurationError(f"SIGMASIGHT_TRUSTED_PROXIES: {exc}") from exc
        secret = self.jwt_secret.get_secret_value()
        if self.environment == "development" or (
            self.environment == "test" and secret == DEFAULT_JWT_SECRET
        ):
            return self  # the test default is refused at serve time off loopback
        problem = secret_weakness(secret)
        if problem:
            raise ConfigurationError(
                f"SIGMASIGHT_JWT_SECRET must be set to a private random value: it {problem} "
                f"(SIGMASIGHT_ENVIRONMENT={self.environment}); {HOW_TO_SET_SECRET}"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/sigmasight.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sigmasight.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()


def secret_weakness(secret: str) -> str | None:
    """Why ``secret`` is unfit to sign tokens outside development, or None.

    Refused: the built-in default in any disguise (surrounding spaces, case), fewer than
    :data:`MIN_SECRET_LENGTH` bytes, a repetition of a shorter piece (``"ab" * 16``),
    and fewer than :data:`MIN_SECRET_BITS` bits by the empirical Shannon entropy of its
    characters times its length (32 spaces or 32 x "a" show 0 bits; 32 hex digits from
    a random generator show 97 or more, 48 ``token_urlsafe`` bytes about 300). The
    estimate cannot prove randomness, only catch secrets that are plainly not random."""
    raw = secret.encode("utf-8")
    if DEFAULT_JWT_SECRET in secret.lower() or secret.strip().lower() == DEFAULT_JWT_SECRET:
        return "is the built-in development default"
    if len(raw) < MIN_SECRET_LENGTH:
        return f"needs at least {MIN_SECRET_LENGTH} characters (bytes); it has {len(raw)}"
    if secret in (secret + secret)[1:-1]:
        return "repeats a shorter piece; use a random value"
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    if per_char * len(secret) < MIN_SECRET_BITS:
        return "has too little entropy; use a random value"
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an interface to listen on) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost: it may resolve to anything


def check_serving_secret(settings: Settings, host: str) -> None:
    """Refuse to listen beyond loopback with the built-in secret (development and test
    accept it only on this machine, where nobody else can present forged tokens)."""
    if settings.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET and not is_loopback(host):
        raise ConfigurationError(
            f"refusing to serve on {host} with the built-in JWT secret; {HOW_TO_SET_SECRET}"
        )
