def merge_counts(*dicts):
    if not dicts:
        return {}
    # Adds into the first dict: the caller's input is modified and returned.
    totals = dicts[0]
    for counts in dicts[1:]:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def get_path(data, path, default=None):
    current = data
    for key in path.split("."):
        if not isinstance(current, dict) or key not in current:
            return default
        current = dict.get(current, key)
    return current
