"""retry: call a function again when it raises one of the given exceptions."""

import time
from functools import wraps


def retry(times=3, exceptions=(Exception,), delay=0.1, sleep=time.sleep):
    """Decorator: call the function up to `times` times in all (see the prompt)."""
    if not times >= 1:
        raise ValueError("need at least one attempt")
    caught = exceptions

    def decorator(fn):
        @wraps(fn)
        def call(*a, **kw):
            left = times
            pause = delay
            while True:
                left -= 1
                try:
                    result = fn(*a, **kw)
                except caught as error:
                    if left == 0:
                        raise error
                    sleep(pause)
                    pause = pause * 2
                    continue
                return result

        return call

    return decorator
