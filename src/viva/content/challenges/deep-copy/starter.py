def deep_copy(obj):
    """Return a deep copy of obj (nested dict/list/tuple/set of immutable values).

    Shared references and cycles must be preserved; do not use the copy module.
    """
    raise NotImplementedError
