import time
from collections.abc import Callable
from typing import Any


class CircuitOpenError(RuntimeError):
    """Raised instead of calling the function while the circuit is open."""


class CircuitBreaker:
    """Closed -> (failure_threshold consecutive failures) -> open -> (reset_timeout) ->
    half_open -> one trial call: success closes, failure re-opens."""

    def __init__(
        self,
        failure_threshold: int,
        reset_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_timeout <= 0:
            raise ValueError("reset_timeout must be positive")
        self._threshold = failure_threshold
        self._timeout = reset_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        # Reports half_open only once a call has started the trial.
        if self._trial_running:
            return "half_open"
        return "open"

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._failures = 0

    def call(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        state = self.state
        if state == "closed":
            try:
                result = func(*args, **kwargs)
            except Exception:
                self._failures += 1
                if self._failures >= self._threshold:
                    self._open()
                raise
            self._failures = 0
            return result
        if state == "open" and self._clock() - self._opened_at >= self._timeout:
            state = "half_open"
        if state == "open" or self._trial_running:
            raise CircuitOpenError("circuit is open")
        # half_open: exactly one trial call at a time
        self._trial_running = True
        try:
            result = func(*args, **kwargs)
        except Exception:
            self._open()
            raise
        finally:
            self._trial_running = False
        self._failures = 0
        self._opened_at = None
        return result
