import functools


def retry(times, exceptions=(Exception,)):
    if times < 1:
        raise ValueError("times must be at least 1")

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            last = None
            for _ in range(times):
                try:
                    return func(*args, **kwargs)
                except exceptions as exc:
                    last = exc
            # Re-raises the first error's type with the last message: not the same object.
            raise type(last)(*last.args)

        return wrapper

    return decorator
