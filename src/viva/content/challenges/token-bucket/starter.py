import time
from collections.abc import Callable


class TokenBucket:
    """A token bucket: starts full, refills continuously, never above `capacity`."""

    def __init__(
        self,
        capacity: float,
        refill_per_second: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        raise NotImplementedError

    def allow(self, tokens: float = 1) -> bool:
        """Spend `tokens` and return True if that many are available, else return False."""
        raise NotImplementedError

    def available(self) -> float:
        """The number of tokens available right now."""
        raise NotImplementedError
