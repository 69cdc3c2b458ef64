import functools


def retry(times, exceptions=(Exception,)):
    """Return a decorator that retries the decorated function.

    The function is attempted up to `times` times in total; only exceptions matching
    `exceptions` trigger another attempt, and the last one is re-raised when all fail.
    """
    raise NotImplementedError
