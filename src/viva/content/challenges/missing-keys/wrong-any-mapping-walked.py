from collections.abc import Mapping

_MISSING = object()


def merge_counts(*dicts):
    """Sum the counts of all dicts key by key into a new plain dict."""
    totals = {}
    for counts in dicts:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def get_path(data, path, default=None):
    """Return data[k1][k2]... for path "k1.k2...", or default if it cannot be followed."""
    current = data
    for key in path.split("."):
        # Any Mapping is walked, not only dicts (a mappingproxy or a custom Mapping too).
        if not isinstance(current, Mapping):
            return default
        current = current.get(key, _MISSING)
        if current is _MISSING:
            return default
    return current
