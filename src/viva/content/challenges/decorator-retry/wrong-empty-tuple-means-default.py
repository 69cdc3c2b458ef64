import functools


def retry(times, exceptions=(Exception,)):
    """Return a decorator that retries the decorated function up to `times` attempts."""
    if times < 1:
        raise ValueError("times must be at least 1")

    # An empty tuple is taken for "not given": everything is retried instead of nothing.
    exceptions = exceptions or (Exception,)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, times + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    if attempt == times:
                        raise
            raise AssertionError("unreachable")

        return wrapper

    return decorator
