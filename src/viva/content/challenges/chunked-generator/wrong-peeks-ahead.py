def chunked(iterable, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    return _chunks(iter(iterable), size)


def _chunks(iterator, size):
    # Reads one item past each chunk before yielding it, to know whether more follow.
    sentinel = object()
    item = next(iterator, sentinel)
    while item is not sentinel:
        chunk = []
        while item is not sentinel and len(chunk) < size:
            chunk.append(item)
            item = next(iterator, sentinel)
        yield chunk
