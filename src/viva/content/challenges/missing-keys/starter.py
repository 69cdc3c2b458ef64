def merge_counts(*dicts):
    """Sum the counts of all dicts key by key into a new plain dict."""
    raise NotImplementedError


def get_path(data, path, default=None):
    """Return data[k1][k2]... for path "k1.k2...", or default if it cannot be followed."""
    raise NotImplementedError
