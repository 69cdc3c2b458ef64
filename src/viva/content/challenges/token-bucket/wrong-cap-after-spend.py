import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self,
        capacity: float,
        refill_per_second: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("capacity and refill_per_second must be positive")
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self._clock = clock
        self._tokens = self.capacity
        self._last = clock()

    def allow(self, tokens: float = 1) -> bool:
        if tokens <= 0:
            raise ValueError("tokens must be positive")
        now = self._clock()
        if now > self._last:
            self._tokens += (now - self._last) * self.refill_per_second
            self._last = now
        # Clamps to capacity only after spending: a long idle period allows a bigger burst.
        if self._tokens >= tokens:
            self._tokens = min(self.capacity, self._tokens - tokens)
            return True
        return False

    def available(self) -> float:
        now = self._clock()
        if now > self._last:
            self._tokens += (now - self._last) * self.refill_per_second
            self._last = now
        return float(min(self.capacity, self._tokens))
