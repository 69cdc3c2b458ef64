def deep_copy(obj, memo=None):
    """Copies one level down only: nested containers stay shared."""
    if isinstance(obj, list):
        return [item for item in obj]
    if isinstance(obj, dict):
        return {k: v for k, v in obj.items()}
    if isinstance(obj, set):
        return set(obj)
    return obj
