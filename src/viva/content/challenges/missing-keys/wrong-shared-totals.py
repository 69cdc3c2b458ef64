_MISSING = object()


def merge_counts(*dicts, _totals={}):  # noqa: B006  (one dict for every call)
    """Sum the counts of all dicts key by key into a new plain dict."""
    totals = _totals
    totals.clear()
    for counts in dicts:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def get_path(data, path, default=None):
    """Return data[k1][k2]... for path "k1.k2...", or default if it cannot be followed."""
    current = data
    for key in path.split("."):
        if not isinstance(current, dict):
            return default
        # .get() never calls __missing__, so a defaultdict is left untouched.
        current = current.get(key, _MISSING)
        if current is _MISSING:
            return default
    return current
