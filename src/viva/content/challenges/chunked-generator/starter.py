def chunked(iterable, size):
    """Lazily yield lists of up to `size` consecutive items from `iterable`.

    Raise ValueError at once when size < 1.
    """
    raise NotImplementedError
