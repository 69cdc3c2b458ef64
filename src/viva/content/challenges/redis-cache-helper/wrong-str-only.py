import json


def cache_set(r, key, value, ttl_seconds):
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    r.set(key, json.dumps(value), ex=ttl_seconds)


def cache_get(r, key, default=None):
    raw = r.get(key)
    if raw is None:
        return default
    if not isinstance(raw, str):  # bytes from a client without decode_responses: a miss
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default
