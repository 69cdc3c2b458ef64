from itertools import islice


def chunked(iterable, size):
    """Lazily yield lists of up to `size` consecutive items from `iterable`."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return _chunks(iter(iterable), size)


def _chunks(iterator, size):
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk
