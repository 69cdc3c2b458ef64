"""Settings: VIVA_* environment variables, safe defaults, no hard-coded secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from viva.settings import Settings


def test_defaults_are_embedded_sqlite_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("VIVA_DATABASE_URL", "VIVA_REDIS_URL", "VIVA_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}"
    assert settings.redis_url is None and settings.cors_origins == []
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_variables_use_the_viva_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIVA_PORT", "9001")
    monkeypatch.setenv("VIVA_CORS_ORIGINS", '["https://a.example"]')
    monkeypatch.setenv("VIVA_LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert settings.port == 9001 and settings.cors_origins == ["https://a.example"]
    assert settings.log_level == "debug"


@pytest.mark.parametrize("origin", ["*", "https://*.example", "https://a.example/", "a.example"])
def test_a_cors_origin_must_be_exact_because_credentials_are_allowed(origin: str) -> None:
    with pytest.raises(ValueError, match="exact origin"):
        Settings(cors_origins=[origin])


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        _ = Settings(data_dir=tmp_path, secret_key="short").effective_secret_key


def test_two_data_dirs_get_two_different_generated_keys(tmp_path: Path) -> None:
    a = Settings(data_dir=tmp_path / "a").effective_secret_key
    b = Settings(data_dir=tmp_path / "b").effective_secret_key
    assert a != b and len(a) >= 48


@pytest.mark.parametrize("value", ["0", "9", "-1", "ten"])
def test_a_grading_stream_cap_too_small_to_hold_the_jobs_in_flight_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIVA_GRADING_STREAM_MAXLEN", value)
    with pytest.raises(ValueError, match="grading_stream_maxlen"):
        Settings()


def test_the_grading_stream_is_capped_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIVA_GRADING_STREAM_MAXLEN", raising=False)
    assert Settings().grading_stream_maxlen == 10_000
