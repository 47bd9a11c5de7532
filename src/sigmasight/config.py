"""Runtime configuration: one pydantic-settings class, environment prefix ``SIGMASIGHT_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The built-in JWT secret. Only acceptable in development; refused anywhere else.
DEFAULT_JWT_SECRET = "dev-only-insecure-secret-change-me"

#: Shortest JWT secret accepted outside development (256 bits of HS256 key).
MIN_SECRET_LENGTH = 32

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
    risk_free_rate: float = Field(
        default=0.0,
        ge=-0.05,
        le=0.5,
        description="Annual risk-free rate (fraction) of the risk ratios; compounded to a "
        "per-session rate by (1 + r)^(1/252) - 1.",
    )

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if (
            self.environment != "development"
            and self.environment != "test"
            and self.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET
        ):
            raise ConfigurationError(
                f"SIGMASIGHT_JWT_SECRET must be set to a private value when "
                f"SIGMASIGHT_ENVIRONMENT={self.environment}"
            )
        if (
            self.environment in ("staging", "production")
            and len(self.jwt_secret.get_secret_value()) < MIN_SECRET_LENGTH
        ):
            raise ConfigurationError(
                f"SIGMASIGHT_JWT_SECRET needs at least {MIN_SECRET_LENGTH} characters "
                f"when SIGMASIGHT_ENVIRONMENT={self.environment}"
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
