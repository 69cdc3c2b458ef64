from itertools import islice


def chunked(iterable, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    if isinstance(iterable, list):
        # A fast path for lists: slices computed from the length at call time.
        return (iterable[i : i + size] for i in range(0, len(iterable), size))
    return _chunks(iter(iterable), size)


def _chunks(iterator, size):
    while chunk := list(islice(iterator, size)):
        yield chunk
