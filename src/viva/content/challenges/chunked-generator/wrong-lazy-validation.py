from itertools import islice


def chunked(iterable, size):
    # A generator function: the ValueError only comes at the first next(), not at the call.
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk
