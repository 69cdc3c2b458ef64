from collections import Counter


def merge_counts(*dicts):
    # Counter addition drops keys whose total is zero or negative.
    return dict(sum((Counter(d) for d in dicts), Counter()))


def get_path(data, path, default=None):
    current = data
    for key in path.split("."):
        if not isinstance(current, dict) or key not in current:
            return default
        current = current[key]
    return current
