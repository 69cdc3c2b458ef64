import json


def cache_set(r, key, value, ttl_seconds):
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    r.set(key, json.dumps(value), ex=ttl_seconds)


def cache_get(r, key, default=None):
    raw = r.get(key)
    try:
        value = json.loads(raw) if raw is not None else None
    except ValueError:
        return default
    return default if value is None else value  # a cached null reads as a miss
