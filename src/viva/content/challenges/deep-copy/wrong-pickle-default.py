def deep_copy(obj, memo=None, _codec=__import__("_pickle")):
    """A pickle round trip through the C module, bound as a default argument."""
    return _codec.loads(_codec.dumps(obj))
