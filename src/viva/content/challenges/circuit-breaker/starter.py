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
        raise NotImplementedError

    @property
    def state(self) -> str:
        """ "closed", "open" or "half_open"."""
        raise NotImplementedError

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run func(*args, **kwargs) through the breaker."""
        raise NotImplementedError
