import json


def cache_set(r, key, value, ttl_seconds):
    """Store json.dumps(value) under key with an expiry of ttl_seconds (> 0) seconds."""
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    # Compact separators: the stored text is not what json.dumps(value) gives.
    payload = json.dumps(value, separators=(",", ":"))
    r.set(key, payload, ex=ttl_seconds)


def cache_get(r, key, default=None):
    """Return the JSON-decoded value under key, or default when it is missing."""
    raw = r.get(key)
    if raw is None:
        return default
    try:
        return json.loads(raw)  # accepts str and bytes
    except ValueError:
        return default
