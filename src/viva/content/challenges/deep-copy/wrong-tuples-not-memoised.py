def deep_copy(obj, memo=None):
    """Return a deep copy of obj, preserving shared references and cycles."""
    if memo is None:
        memo = {}
    key = id(obj)
    if key in memo:
        return memo[key]
    kind = type(obj)
    if kind is list:
        result = []
        memo[key] = result
        result.extend(deep_copy(item, memo) for item in obj)
        return result
    if kind is dict:
        result = {}
        memo[key] = result
        for k, v in obj.items():
            result[deep_copy(k, memo)] = deep_copy(v, memo)
        return result
    if kind is set:
        result = set()
        memo[key] = result
        result.update(deep_copy(item, memo) for item in obj)
        return result
    if kind is tuple:
        # Tuples are not memoised: a shared tuple is copied twice.
        items = [deep_copy(item, memo) for item in obj]
        if all(new is old for new, old in zip(items, obj)):
            return obj
        return tuple(items)
    return obj
