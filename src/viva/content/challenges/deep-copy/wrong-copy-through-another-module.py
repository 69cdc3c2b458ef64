import dataclasses


def deep_copy(obj, memo=None):
    """copy.deepcopy reached through a library module that imported copy."""
    return getattr(dataclasses, "co" + "py").deepcopy(obj, memo)
