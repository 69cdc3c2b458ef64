def retry(times, exceptions=(Exception,)):
    if times < 1:
        raise ValueError("times must be at least 1")

    def decorator(func):
        def wrapper(*args, **kwargs):
            for attempt in range(1, times + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    if attempt == times:
                        raise
            return None

        # Copies two attributes by hand instead of functools.wraps.
        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper

    return decorator
