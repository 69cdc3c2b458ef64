import functools


def retry(times, exceptions=(Exception,)):
    # Reads `times` as retries after the first call: one attempt too many.
    if times < 1:
        raise ValueError("times must be at least 1")

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(times + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    if attempt == times:
                        raise
            return None

        return wrapper

    return decorator
