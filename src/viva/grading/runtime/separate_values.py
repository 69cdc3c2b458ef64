"""Values crossing between the harness and a solution's process (see separate.py), the same
codec on both sides: plain built-in data goes by value (exact types only, so no subclass's
`__eq__` or `__hash__` travels), built-in classes by name, everything else by reference, as
a handle into the sender's table of objects; the other side sees a proxy of it, and a proxy
sent back arrives as the original object. Exceptions go by reference too, with the names of
their classes, so the receiver can raise one that `except` clauses and `raises:` steps treat
as the sender's, and a re-raised one arrives back as the very object first raised."""

from __future__ import annotations

import base64
import builtins as _builtins
import operator
from collections.abc import Callable
from typing import Any

# Taken before any candidate code runs (graded code may rebind names in `builtins`).
BUILTIN_TYPES = {n: v for n, v in vars(_builtins).items() if isinstance(v, type)}
BUILTIN_TYPE_NAMES = {id(v): n for n, v in BUILTIN_TYPES.items()}
_SCALARS = frozenset(id(t) for t in (type(None), bool, int, float, str))
MAX_DEPTH = 50
TAGS = ("$bytes", "$tuple", "$set", "$frozenset", "$dict", "$type", "$obj", "$yours")


class Codec:
    """`dump` turns a value into JSON data; `refer(value)` gives the tag of anything that
    is not plain data (a handle of one's own, or `{"$yours": n}` for the other side's
    proxy). `load` turns JSON data back; `resolve(tag)` gives the object a tag names."""

    def __init__(
        self, refer: Callable[[Any], dict[str, Any]], resolve: Callable[[dict[str, Any]], Any]
    ) -> None:
        self.refer, self.resolve = refer, resolve

    def dump(self, value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if id(kind) in _SCALARS:
            return value
        if depth > MAX_DEPTH:
            return self.refer(value)
        if kind is list:
            return [self.dump(v, depth + 1) for v in value]
        if kind is dict:
            if all(type(k) is str and not k.startswith("$") for k in value):
                return {k: self.dump(v, depth + 1) for k, v in value.items()}
            return {
                "$dict": [
                    [self.dump(k, depth + 1), self.dump(v, depth + 1)] for k, v in value.items()
                ]
            }
        if kind is tuple:
            return {"$tuple": [self.dump(v, depth + 1) for v in value]}
        if kind is set or kind is frozenset:
            return {f"${kind.__name__}": [self.dump(v, depth + 1) for v in value]}
        if kind is bytes:
            return {"$bytes": base64.b64encode(value).decode()}
        if kind is type and BUILTIN_TYPES.get(BUILTIN_TYPE_NAMES.get(id(value), "")) is value:
            return {"$type": BUILTIN_TYPE_NAMES[id(value)]}
        return self.refer(value)

    def load(self, data: Any) -> Any:
        kind = type(data)
        if kind is list:
            return [self.load(v) for v in data]
        if kind is not dict:
            return data
        tag = next(iter(data), None) if data else None
        if tag not in TAGS:
            return {k: self.load(v) for k, v in data.items()}
        inner = data[tag]
        if tag == "$tuple" and type(inner) is list:
            return tuple(self.load(v) for v in inner)
        if tag == "$set" and type(inner) is list:
            return {self.load(v) for v in inner}
        if tag == "$frozenset" and type(inner) is list:
            return frozenset(self.load(v) for v in inner)
        if tag == "$dict" and type(inner) is list:
            return {self.load(k): self.load(v) for k, v in inner}
        if tag == "$bytes" and type(inner) is str:
            return base64.b64decode(inner)
        if tag == "$type" and type(inner) is str and inner in BUILTIN_TYPES:
            return BUILTIN_TYPES[inner]
        if tag in ("$obj", "$yours") and type(inner) is int:
            return self.resolve(data)
        raise ValueError(f"a malformed value crossed the wire: {tag}")


def class_chain(cls: type, handle: Callable[[Any], int]) -> list[list[Any]]:
    """An exception class as it crosses: `[handle, name, built-in?]` for each class of its
    MRO up to BaseException, most derived first."""
    chain = []
    for c in type.__dict__["__mro__"].__get__(cls):
        if c is object:
            break
        name = type.__dict__["__name__"].__get__(c)
        chain.append([handle(c), name, BUILTIN_TYPES.get(name) is c])
    return chain


def build_class(chain: Any, cache: dict[int, type], module: str) -> type[BaseException]:
    """The receiver's class for a chain: the built-in classes themselves, the sender's own
    ones made here once each (keyed by handle), each a subclass of the next in the chain."""
    if type(chain) is not list or not chain:
        raise ValueError("an exception crossed the wire without its classes")
    base: type[BaseException] = BaseException
    for entry in reversed(chain):
        if type(entry) is not list or len(entry) != 3:
            raise ValueError("an exception crossed the wire with malformed classes")
        handle, name, builtin = entry
        if type(name) is not str or type(handle) is not int:
            raise ValueError("an exception crossed the wire with malformed classes")
        found = BUILTIN_TYPES.get(name) if builtin is True else None
        if isinstance(found, type) and issubclass(found, BaseException):
            if issubclass(found, base):
                base = found
            continue
        made = cache.get(handle)
        if made is None:
            made = type(name, (base,), {"__module__": module})
            cache[handle] = made
        base = made
    return base


def make_exception(cls: type[BaseException], args: Any) -> BaseException:
    """An instance of `cls` holding `args`, made without calling any `__init__`."""
    try:
        exc = cls.__new__(cls)
    except Exception:
        exc = RuntimeError.__new__(RuntimeError)
    exc.args = tuple(args) if type(args) is list else ()
    return exc


# The protocols either side may ask of an object the other holds by handle (run by the side
# that owns the object): iteration and a sequence's, nothing by a private name.
PROTOCOLS: dict[str, Callable[..., Any]] = {
    "__iter__": iter,
    "__next__": next,
    "__len__": len,
    "__bool__": bool,
    "__contains__": operator.contains,
    "__getitem__": operator.getitem,
}


class Table:
    """One side's objects that the other holds by handle (one handle per object), and the
    proxies of the other side's objects (one per handle, so identity holds); exceptions and
    exception classes cross by their class chain. Each side adds what else it refers to and
    makes from a tag (`refer`, `resolve`)."""

    def __init__(self, link: Any, module: str) -> None:
        self.link, self.module = link, module  # module: what made classes say they come from
        self.objects: list[Any] = []
        self._index: dict[int, int] = {}
        self.proxies: dict[int, Any] = {}
        self.classes: dict[int, type] = {}
        self.handles: dict[int, int] = {}  # id of a made class or exception -> its handle
        self.codec = Codec(self.refer, self.resolve)

    def refer(self, value: Any) -> dict[str, Any]:
        raise NotImplementedError

    def resolve(self, tag: dict[str, Any]) -> Any:
        raise NotImplementedError

    def keep(self, value: Any) -> int:
        found = self._index.get(id(value))
        if found is not None and self.objects[found] is value:
            return found
        self.objects.append(value)
        self._index[id(value)] = len(self.objects) - 1
        return len(self.objects) - 1

    def tag_raised(self, tag: dict[str, Any], value: Any) -> bool:
        """Adds an exception's or an exception class's chain to `tag`; False for the rest."""
        if isinstance(value, BaseException):
            tag["exc"] = class_chain(type(value), self.keep)
            tag["args"] = self.codec.dump(list(value.args))
        elif isinstance(value, type) and issubclass(value, BaseException):
            tag["class"] = class_chain(value, self.keep)
        else:
            return False
        return True

    def make_raised(self, tag: dict[str, Any]) -> Any:
        """The exception or exception class a tag names, or None for anything else."""
        if "exc" in tag:
            cls = build_class(tag["exc"], self.classes, self.module)
            return make_exception(cls, self.codec.load(tag.get("args")))
        if "class" in tag:
            return build_class(tag["class"], self.classes, self.module)
        return None
