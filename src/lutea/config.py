"""Settings of lutea's shells (API, store, CLI) from the environment: one object, LUTEA_* variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lutea.errors import InputError
from lutea.proxies import IPNetwork, parse_networks
from lutea.regions import DEFAULT_REGION, region

SECRET_FILE = Path(".lutea-secret")


class Settings(BaseSettings):
    """LUTEA_DATABASE_URL, LUTEA_REGION, LUTEA_SECRET_KEY, LUTEA_TOKEN_LIFETIME_MIN, LUTEA_LOGIN_*, LUTEA_TRUSTED_PROXIES ..."""

    model_config = SettingsConfigDict(env_prefix="LUTEA_", extra="ignore")

    database_url: str = "sqlite:///./lutea.db"
    secret_key: str = ""
    secret_file: Path = SECRET_FILE
    token_lifetime_min: int = Field(default=60, ge=1, le=24 * 60)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    # one account, whatever the address: after this many failures each further attempt waits
    # twice as long as the one before (1 s, 2 s, 4 s ... at most login_backoff_max_s)
    login_account_max_failures: int = Field(default=10, ge=1)
    login_backoff_max_s: int = Field(default=900, ge=1)
    # proxies whose X-Forwarded-For / Forwarded is believed (addresses or networks, comma-separated);
    # empty: the peer's address is the client's, whatever the headers say (lutea.proxies)
    trusted_proxies: str = ""
    migrate_on_start: bool = True
    # Plausibility guards of the API (docs/api.md); a knowledge-base threshold of kind
    # implausible_high for the specimen takes precedence over max_serum_ng_ml.
    max_serum_ng_ml: float = Field(default=1000.0, gt=0)
    future_tolerance_min: float = Field(default=5.0, ge=0)
    # Graceful overload (docs/api.md): beyond max_in_flight requests waiting for a turn, or a
    # request older than request_deadline_s when it would commit, the answer is 503 with
    # Retry-After and nothing of it is stored (clients commonly give up after 10 s).
    max_in_flight: int = Field(default=256, ge=1)
    # Requests run at once (the rest wait their turn, first come first served): few enough that
    # the one writing is not starved of the interpreter by the others, at most the worker threads.
    workers: int = Field(default=8, ge=1, le=40)
    request_deadline_s: float = Field(default=8.0, gt=0)
    # The clinic's region (regions.yaml: uk, us, eu, au): the emergency number and services every
    # patient-facing message names, and the guideline bodies a plan lists first (lutea.regions).
    region: str = DEFAULT_REGION

    @field_validator("trusted_proxies")
    @classmethod
    def _readable_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        try:  # the accepted ids are data (regions.yaml)
            return region(value).id
        except InputError as exc:
            raise ValueError(f"LUTEA_REGION: {exc.problem}; accepted: {exc.accepted}") from None

    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """LUTEA_TRUSTED_PROXIES as networks (empty: trust no forwarding header)."""
        return parse_networks(self.trusted_proxies)

    def signing_key(self) -> str:
        """The JWT signing key: LUTEA_SECRET_KEY, else the one kept in .lutea-secret (made once)."""
        if self.secret_key:
            return self.secret_key
        path = self.secret_file
        if path.is_file():
            stored = path.read_text(encoding="utf-8").strip()
            if stored:
                self.secret_key = stored
                return stored
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        self.secret_key = key
        return key


def get_settings() -> Settings:
    """A fresh settings object read from the environment."""
    return Settings()
