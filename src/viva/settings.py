"""The one Settings object: every VIVA_* environment variable is read here and nowhere else."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "viva"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class Judge0Settings(BaseModel):
    """The Judge0-compatible API (/judge0, docs/judge0.md): its defaults and the admin-set
    maxima that /config_info reports (Judge0's names; times in s, sizes in KB). Set as JSON,
    e.g. VIVA_JUDGE0='{"max_cpu_time_limit": 10, "callback_hosts": ["hooks.example"]}'."""

    cpu_time_limit: float = Field(default=5.0, gt=0)
    max_cpu_time_limit: float = Field(default=15.0, gt=0)
    cpu_extra_time: float = Field(default=1.0, ge=0)
    max_cpu_extra_time: float = Field(default=5.0, ge=0)
    wall_time_limit: float = Field(default=10.0, gt=0)
    max_wall_time_limit: float = Field(default=20.0, gt=0, le=60)
    memory_limit: int = Field(default=128000, gt=0)
    max_memory_limit: int = Field(default=512000, gt=0, le=2048 * 1024)
    stack_limit: int = Field(default=64000, gt=0)
    max_stack_limit: int = Field(default=128000, gt=0)
    max_processes_and_or_threads: int = Field(default=60, gt=0)
    max_max_processes_and_or_threads: int = Field(default=64, gt=0, le=64)
    max_file_size: int = Field(default=1024, gt=0)
    max_max_file_size: int = Field(default=4096, gt=0, le=4096)
    number_of_runs: int = Field(default=1, gt=0)
    max_number_of_runs: int = Field(default=20, gt=0, le=100)
    max_extract_size: int = Field(default=8192, gt=0, le=8192)
    max_submission_batch_size: int = Field(default=20, gt=0, le=100)
    max_queue_size: int = Field(default=100, gt=0)
    enable_submission_delete: bool = False
    callback_hosts: list[str] = Field(
        default_factory=list, description="hosts callback_url may name; none: callbacks refused"
    )
    callback_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key of the X-Viva-Signature header of callbacks"
    )

    @model_validator(mode="after")
    def _within_the_sandbox(self) -> Judge0Settings:
        if self.max_cpu_time_limit + self.max_cpu_extra_time > 30:
            raise ValueError("VIVA_JUDGE0: max_cpu_time_limit + max_cpu_extra_time must be <= 30")
        for name in ("cpu_time_limit", "cpu_extra_time", "wall_time_limit", "memory_limit"):
            if getattr(self, name) > getattr(self, f"max_{name}"):
                raise ValueError(f"VIVA_JUDGE0: {name} is above max_{name}")
        if self.callback_hosts and self.callback_secret is None:
            raise ValueError("VIVA_JUDGE0: callback_hosts needs a callback_secret to sign with")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIVA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # uvicorn closes a connection idle for 5 s by default: shorter than a person's pause
    # between two clicks, so nearly every request of a signed-in user paid a new TCP
    # connection (bench_soak: 2 of 3 requests at a 30 s think time), and at 10,000 users the
    # reconnections alone overflowed the accept queue. 75 s is nginx's default.
    keepalive_seconds: int = Field(
        default=75,
        ge=1,
        le=3600,
        description="an idle keep-alive connection is closed after this many seconds",
    )
    backlog: int = Field(
        default=4096,
        ge=16,
        le=65535,
        description="listen queue of connections not yet accepted (the kernel caps it at "
        "net.core.somaxconn)",
    )
    max_connections: int | None = Field(
        default=None,
        ge=1,
        description="per server process: open connections (idle ones too) and requests "
        "beyond this get 503 (unset: no limit)",
    )
    cors_origins: list[str] = Field(default_factory=list)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["console", "json"] = "console"
    cache_ttl_seconds: int = Field(default=300, ge=0)
    cache_prefix: str = Field(default="viva", pattern=r"^[A-Za-z0-9:_-]{1,64}$")
    queue_cache_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="a user's review queue is kept this long per process (a change to the "
        "user's cards drops it at once, everywhere with Redis)",
    )
    max_import_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    builtin_content: bool = True
    sandbox: Literal["bwrap", "none"] = "bwrap"
    sandbox_slots: int = Field(default=2, ge=1, le=64)
    sandbox_uid_base: int = Field(default=61000, ge=1000, le=2**31 - 100_000)
    sandbox_uid_lock_dir: Path = Field(
        default=Path("/run/viva/sandbox-uids"),
        description="shared by every Viva process of a host (as root): each pool locks a uid "
        "range of its own there, from VIVA_SANDBOX_UID_BASE up in steps of 1000",
    )
    max_source_bytes: int = Field(default=64 * 1024, ge=1024)
    max_body_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)
    rate_limit_submissions: str = Field(
        default="30/minute", description="per client, `limits` syntax"
    )
    rate_limit_auth: str = Field(default="20/minute", description="sign-in calls per IP")
    rate_limit_login_failures: str = Field(
        default="5/15minutes", description="failed sign-ins per username before a pause"
    )
    review_fuzzing: bool = Field(
        default=True, description="FSRS interval fuzzing; off makes schedules deterministic"
    )
    open_signup: bool = Field(default=False, description="anyone may create a candidate account")
    grading_queue: Literal["auto", "inprocess", "redis"] = Field(
        default="auto",
        description="auto: on Redis (graded by `viva worker`) when VIVA_REDIS_URL is set",
    )
    grading_redeliver_seconds: float = Field(
        default=300,
        ge=1,
        description="a job unacknowledged this long (its worker died) goes to another worker",
    )
    grading_lease_seconds: float = Field(
        default=120,
        ge=2,
        description="a claim not renewed this long (its grader died) may be taken over; "
        "renewed every quarter of it while grading",
    )
    grading_stream_maxlen: int = Field(
        default=10_000,
        ge=10,
        le=10_000_000,
        description="server mode: the grading stream is trimmed to about this many entries "
        "(XADD MAXLEN ~); a job trimmed before it was acknowledged is sent again by the "
        "API's sweep once its lease has expired",
    )
    grading_run_wait_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="server mode: how long the API waits for a worker to Run the examples "
        "before answering 503",
    )
    metrics_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="shared by the processes of one host: /metrics then answers for all",
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="when set, GET /metrics wants it in X-Metrics-Token"
    )
    worker_metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="a worker serves /metrics on this port"
    )
    worker_drain_seconds: float = Field(
        default=120, ge=0, description="on SIGTERM a worker finishes its jobs for this long"
    )
    sql_postgres_url: str | None = Field(
        default=None,
        description="admin URL of a PostgreSQL database used only for grading SQL challenges",
    )
    judge0: Judge0Settings = Field(default_factory=Judge0Settings)
    judge0_port: int | None = Field(
        default=None, ge=1, le=65535, description="also serve the Judge0 API at / of this port"
    )

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        # Viva's CORS allows credentials; with "*" Starlette would echo any caller's Origin
        # and let every site make signed-in requests and read the answers (seed Q18).
        for origin in value:
            if "*" in origin or origin.rstrip("/") != origin or "://" not in origin:
                raise ValueError(
                    f"VIVA_CORS_ORIGINS: {origin!r} is not an exact origin such as "
                    "https://app.example (no wildcard: credentials are allowed)"
                )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'viva.db'}"

    @property
    def grading_on_redis(self) -> bool:
        return self.grading_queue == "redis" or (
            self.grading_queue == "auto" and self.redis_url is not None
        )

    @property
    def is_sqlite(self) -> bool:
        from viva.db import dialect_of  # (here: the settings load without the database layer)

        return dialect_of(self.effective_database_url) == "sqlite"

    @cached_property
    def effective_secret_key(self) -> str:
        """The configured key, or one generated on first run and kept in the data dir (0600)."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if len(value) < 32:
                raise ValueError("VIVA_SECRET_KEY must be at least 32 characters")
            return value
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key

    def masked(self) -> dict[str, object]:
        """The effective settings, secrets masked, for `viva config`."""
        url = self.effective_database_url
        return {
            "data_dir": str(self.data_dir),
            "database_url": _mask_url(url),
            "redis_url": _mask_url(self.redis_url) if self.redis_url else None,
            "secret_key": "********"
            + (" (from VIVA_SECRET_KEY)" if self.secret_key else " (generated, in data_dir)"),
            "host": self.host,
            "port": self.port,
            "workers": self.workers,
            "keepalive_seconds": self.keepalive_seconds,
            "backlog": self.backlog,
            "max_connections": self.max_connections,
            "cors_origins": self.cors_origins,
            "log_level": self.log_level,
            "log_format": self.log_format,
            "cache_ttl_seconds": self.cache_ttl_seconds,
            "cache_prefix": self.cache_prefix,
            "max_import_bytes": self.max_import_bytes,
            "sandbox": self.sandbox,
            "sandbox_slots": self.sandbox_slots,
            "grading_queue": "redis" if self.grading_on_redis else "inprocess",
            "sql_postgres_url": _mask_url(self.sql_postgres_url) if self.sql_postgres_url else None,
        }


def _mask_url(url: str) -> str:
    """Hide the password of a URL such as postgresql://user:pw@host/db."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}" if ":" in creds else url


def get_settings() -> Settings:
    return Settings()
