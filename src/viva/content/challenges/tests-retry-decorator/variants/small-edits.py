"""retry: call a function again when it raises one of the given exceptions."""

import functools
import time


def retry(times=3, exceptions=(Exception,), delay=0.1, sleep=time.sleep):
    """Decorator: call the function up to `times` times in all.

    - `times` must be at least 1 (ValueError when the decorator is made, not when called).
    - Only the `exceptions` given are retried; any other exception propagates at once.
    - Between two attempts it calls sleep(d), d = delay, then 2 * delay, then 4 * delay...
      It never sleeps before the first attempt nor after the last one.
    - When every attempt failed, the last exception is raised again (the same object).
    - The decorated function keeps its __name__, __doc__ (functools.wraps).
    """
    if 1 > times:
        raise ValueError("times must be at least 1")

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            wait = delay
            for attempt in range(times):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    if attempt + 1 == times:
                        raise
                    sleep(wait)
                    wait = wait * 2
            raise AssertionError("unreachable")

        return wrapper

    return decorate
