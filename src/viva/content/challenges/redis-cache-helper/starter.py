import json


def cache_set(r, key, value, ttl_seconds):
    """Store json.dumps(value) under key with an expiry of ttl_seconds (> 0) seconds."""
    raise NotImplementedError


def cache_get(r, key, default=None):
    """Return the JSON-decoded value under key, or default when it is missing."""
    raise NotImplementedError
