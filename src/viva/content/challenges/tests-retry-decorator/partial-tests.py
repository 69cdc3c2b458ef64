import pytest
from retrying import retry


def test_returns_the_value():
    assert retry(sleep=lambda s: None)(lambda: 42)() == 42


def test_retries_until_success():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("not yet")
        return "ok"

    assert retry(times=3, sleep=lambda s: None)(flaky)() == "ok"
    assert len(calls) == 3


def test_gives_up_with_the_error():
    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError):
        retry(times=2, sleep=lambda s: None)(boom)()
