def deep_copy(obj, memo={}):  # noqa: B006  (the memo outlives the call)
    """Return a deep copy of obj, preserving shared references and cycles."""
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
        items = [deep_copy(item, memo) for item in obj]
        # A cycle through this tuple may already have produced its copy.
        if key in memo:
            return memo[key]
        if all(new is old for new, old in zip(items, obj)):
            result = obj
        else:
            result = tuple(items)
        memo[key] = result
        return result
    return obj
