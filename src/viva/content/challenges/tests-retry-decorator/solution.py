import pytest
from retrying import retry


class Flaky:
    """Fails `failures` times with `error`, then returns "ok"."""

    def __init__(self, failures, error=ValueError):
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return "ok", args, kwargs


@pytest.fixture
def sleeps():
    return []


def test_returns_at_once_when_the_call_succeeds(sleeps):
    flaky = Flaky(0)
    assert retry(times=3, sleep=sleeps.append)(flaky)(1, b=2) == ("ok", (1,), {"b": 2})
    assert flaky.calls == 1
    assert sleeps == []


@pytest.mark.parametrize("times", [1, 2, 3, 5])
def test_makes_exactly_times_attempts(times, sleeps):
    flaky = Flaky(100)
    with pytest.raises(ValueError):
        retry(times=times, sleep=sleeps.append)(flaky)()
    assert flaky.calls == times
    assert len(sleeps) == times - 1


def test_succeeds_on_the_last_attempt(sleeps):
    flaky = Flaky(2)
    assert retry(times=3, sleep=sleeps.append)(flaky)()[0] == "ok"
    assert flaky.calls == 3


def test_delays_double(sleeps):
    with pytest.raises(ValueError):
        retry(times=4, delay=0.5, sleep=sleeps.append)(Flaky(10))()
    assert sleeps == [0.5, 1.0, 2.0]


def test_defaults_are_three_attempts_from_a_tenth_of_a_second(sleeps):
    flaky = Flaky(10)
    with pytest.raises(ValueError):
        retry(sleep=sleeps.append)(flaky)()
    assert flaky.calls == 3
    assert sleeps == [pytest.approx(0.1), pytest.approx(0.2)]


def test_other_exceptions_are_not_retried(sleeps):
    flaky = Flaky(5, error=KeyError)
    with pytest.raises(KeyError):
        retry(times=3, exceptions=(ValueError,), sleep=sleeps.append)(flaky)()
    assert flaky.calls == 1
    assert sleeps == []


def test_the_last_exception_is_raised_again(sleeps):
    errors = []

    def always():
        errors.append(ValueError(len(errors)))
        raise errors[-1]

    with pytest.raises(ValueError) as caught:
        retry(times=3, sleep=sleeps.append)(always)()
    assert caught.value is errors[-1]


@pytest.mark.parametrize("times", [0, -1])
def test_times_below_one_is_refused(times):
    with pytest.raises(ValueError):
        retry(times=times)


def test_keeps_name_and_docstring():
    def fetch():
        """Fetch it."""

    wrapped = retry()(fetch)
    assert wrapped.__name__ == "fetch"
    assert wrapped.__doc__ == "Fetch it."
