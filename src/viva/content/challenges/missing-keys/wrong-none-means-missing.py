def merge_counts(*dicts):
    totals = {}
    for counts in dicts:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def get_path(data, path, default=None):
    current = data
    for key in path.split("."):
        if not isinstance(current, dict):
            return default
        current = current.get(key)
        if current is None:  # an existing None is taken for a missing key
            return default
    return current
