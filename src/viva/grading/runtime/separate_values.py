"""Values crossing between the harness and a solution's process (see separate.py), the same
codec on both sides: scalars go by value, built-in classes by name, plain built-in data
(strings and containers of exact types, so no subclass's `__eq__` or `__hash__` travels) as
mirrors, one object on each side kept alike (see Mirrors), and everything else by reference,
as a handle into the sender's table of objects; the other side sees a proxy of it, and a
proxy sent back arrives as the original object. Exceptions go by reference too, with the
names of their classes, so the receiver can raise one that `except` clauses and `raises:`
steps treat as the sender's, and a re-raised one arrives back as the very object first
raised."""

from __future__ import annotations

import base64
import builtins as _builtins
import collections
import json
import operator
import types
from collections.abc import Callable
from typing import Any

from separate_raised import build_class, class_chain, make_exception
from testkit import FakeClock

# Taken before any candidate code runs (graded code may rebind names in `builtins`).
BUILTIN_TYPES = {n: v for n, v in vars(_builtins).items() if isinstance(v, type)}
BUILTIN_TYPE_NAMES = {id(v): n for n, v in BUILTIN_TYPES.items()}
_SCALARS = frozenset(id(t) for t in (type(None), bool, int, float))
# Containers and strings cross as mirrors (see Mirrors), by exact type: a subclass goes by
# reference like any other object.
MIRRORED = {
    id(list): "list",
    id(dict): "dict",
    id(set): "set",
    id(tuple): "tuple",
    id(frozenset): "frozenset",
    id(str): "str",
    id(bytes): "bytes",
    id(collections.defaultdict): "defaultdict",
    id(collections.OrderedDict): "OrderedDict",
    id(types.MappingProxyType): "mappingproxy",
    # The test's fake clock by value: its reading crosses with every message that follows a
    # change, so a solution reads it without a round trip (a subclass goes by reference).
    id(FakeClock): "clock",
}
MUTABLE: dict[str, Callable[[], Any]] = {
    "list": list,
    "dict": dict,
    "set": set,
    "defaultdict": collections.defaultdict,
    "OrderedDict": collections.OrderedDict,
    "clock": FakeClock,
}
_PAIRS = frozenset(("dict", "OrderedDict", "mappingproxy"))
_MAPPINGPROXY = types.MappingProxyType  # bound here: graded code may rebind `types`' names
TAGS = ("$m", "$bytes", "$type", "$obj", "$yours")  # $bytes: what separate_wire.pack sends


def _text(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"))


_SEPARATOR = object()


def _shot(kind: str, value: Any) -> tuple[Any, ...]:
    """The objects a mutable mirror holds, in order (kept, so none is freed and its id
    reused): when each is the very object of the last time, its contents (each element a
    scalar, a mirror's key or a handle, all given by identity) are those of the last time."""
    if kind == "clock":
        return (value.now,)
    if kind in ("list", "set"):
        return tuple(value)
    values = (_SEPARATOR, *value.values())
    if kind == "defaultdict":
        return (value.default_factory, _SEPARATOR, *value, *values)
    return (*value, *values)


class Mirrors:
    """Plain data that crossed, kept as one object on each side under one key, so that it
    behaves as one object in one process: identity (`c[0] is c[1]`, `deep_copy(s) is s`, a
    list that contains itself) holds across the wire, and a container changed in place on one
    side is changed on the other before the other side runs again. A message carries the
    definitions of the objects first sent in it (`$defs`) and the new contents of every
    mutable one changed since it last crossed (`$sync`); only one side runs at a time, so the
    two copies never disagree where either can see it. Each side numbers its own objects
    (the harness even, the solution odd); what the other side sends is checked against that,
    and its contents are plain data decoded here, so nothing of the sender's code runs."""

    def __init__(self, codec: Codec, first: int) -> None:
        self.codec, self.next, self.first = codec, first, first
        self.objects: dict[int, Any] = {}
        self.keys: dict[int, int] = {}  # id of an object -> its key
        self.kinds: dict[int, str] = {}
        self.states: dict[int, str] = {}  # a mutable one's contents when they last crossed
        self.shots: dict[int, tuple[Any, ...]] = {}  # ...and the very objects it then held
        self.pending: list[int] = []  # keys first dumped since the last message
        self.deferred: dict[int, tuple[str, Any]] = {}  # received, built when first loaded
        self.building: set[int] = set()

    def key(self, value: Any, kind: str) -> int:
        found = self.keys.get(id(value))
        if found is not None:
            return found
        key, self.next = self.next, self.next + 2
        self._register(key, value, kind)
        self.pending.append(key)
        return key

    def _register(self, key: int, value: Any, kind: str) -> None:
        self.objects[key] = value
        self.keys.setdefault(id(value), key)  # equal small strings may be one object here
        self.kinds[key] = kind

    def contents(self, key: int) -> Any:
        value, kind, dump = self.objects[key], self.kinds[key], self.codec.dump
        if kind == "str":
            return value
        if kind == "clock":
            return [dump(value.now)]
        if kind == "bytes":
            return base64.b64encode(value).decode()
        if kind in _PAIRS:
            return [[dump(k), dump(v)] for k, v in value.items()]
        if kind == "defaultdict":
            return [dump(value.default_factory), [[dump(k), dump(v)] for k, v in value.items()]]
        return [dump(v) for v in value]

    def outgoing(self, message: dict[str, Any]) -> None:
        """Adds to a message about to be sent what the other side needs of the mirrors."""
        syncs = []
        for key, before in list(self.states.items()):
            shot, last = _shot(self.kinds[key], self.objects[key]), self.shots.get(key)
            if last is not None and len(last) == len(shot) and all(map(operator.is_, last, shot)):
                continue  # the same objects in the same order: the same contents
            self.shots[key] = shot
            payload = self.contents(key)
            text = _text(payload)
            if text != before:
                syncs.append([key, payload])
                self.states[key] = text
        defs, done = [], 0
        while done < len(self.pending):
            key = self.pending[done]
            done += 1
            payload = self.contents(key)
            defs.append([key, self.kinds[key], payload])
            if self.kinds[key] in MUTABLE:
                self.states[key] = _text(payload)
                self.shots[key] = _shot(self.kinds[key], self.objects[key])
        self.pending.clear()
        if defs:
            message["$defs"] = defs
        if syncs:
            message["$sync"] = syncs

    def incoming(self, message: dict[str, Any]) -> None:
        """Applies what a received message says of the mirrors, before it is read; raises
        ValueError (or TypeError) on anything malformed."""
        defs, syncs = message.pop("$defs", []), message.pop("$sync", [])
        if type(defs) is not list or type(syncs) is not list:
            raise ValueError("malformed mirrors")
        fill = []
        for entry in defs:
            if type(entry) is not list or len(entry) != 3:
                raise ValueError("malformed mirror")
            key, kind, payload = entry
            if type(key) is not int or key % 2 == self.first % 2 or key in self.objects:
                raise ValueError("a mirror under a key that is not the sender's")
            if key in self.deferred or type(kind) is not str or kind not in MIRRORED.values():
                raise ValueError("malformed mirror")
            if kind == "str" and type(payload) is str:
                self._register(key, payload, kind)
            elif kind == "bytes" and type(payload) is str:
                self._register(key, base64.b64decode(payload), kind)
            elif kind in MUTABLE:
                self._register(key, MUTABLE[kind](), kind)
                fill.append((key, payload))
            elif kind in ("tuple", "frozenset", "mappingproxy") and type(payload) is list:
                self.deferred[key] = (kind, payload)
            else:
                raise ValueError("malformed mirror")
        for entry in syncs:
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not int:
                raise ValueError("malformed mirror")
            if self.kinds.get(entry[0]) not in MUTABLE:
                raise ValueError("a change to no mutable mirror")
            fill.append((entry[0], entry[1]))
        for key, payload in fill:
            self._fill(key, payload)
        for key in list(self.deferred):
            self.resolve(key)

    def _fill(self, key: int, payload: Any) -> None:
        value, kind, load = self.objects[key], self.kinds[key], self.codec.load
        if type(payload) is not list:
            raise ValueError("malformed mirror")
        self.states[key] = _text(payload)
        if kind == "list":
            value[:] = [load(v) for v in payload]
            return
        if kind == "clock":  # a reading only: a number, never an object of the sender's
            if len(payload) != 1 or type(payload[0]) not in (int, float):
                raise ValueError("malformed mirror")
            value.now = payload[0]
            return
        if kind == "set":
            items = [load(v) for v in payload]
            value.clear()
            value.update(items)
            return
        factory = None
        if kind == "defaultdict":
            if len(payload) != 2:
                raise ValueError("malformed mirror")
            factory, payload = load(payload[0]), payload[1]
            if factory is not None and not callable(factory):
                raise ValueError("malformed mirror")
        pairs = [self._pair(p) for p in payload]
        value.clear()
        for k, v in pairs:
            value[k] = v
        if kind == "defaultdict":
            value.default_factory = factory

    def _pair(self, pair: Any) -> tuple[Any, Any]:
        if type(pair) is not list or len(pair) != 2:
            raise ValueError("malformed mirror")
        return self.codec.load(pair[0]), self.codec.load(pair[1])

    def resolve(self, key: Any) -> Any:
        if key in self.objects:
            return self.objects[key]
        if key not in self.deferred or key in self.building:
            raise ValueError("no such mirror")
        kind, payload = self.deferred[key]
        self.building.add(key)  # tuples hold nothing mutable before it is made: no cycles
        if kind == "mappingproxy":
            made: Any = _MAPPINGPROXY(dict(self._pair(p) for p in payload))
        else:
            items = [self.codec.load(v) for v in payload]
            made = tuple(items) if kind == "tuple" else frozenset(items)
        self.building.discard(key)
        del self.deferred[key]
        self._register(key, made, kind)
        return made


class Codec:
    """`dump` turns a value into JSON data: a scalar as itself, a container or string as a
    mirror (`{"$m": key}`), a built-in class by name; `refer(value)` gives the tag of
    anything else (a handle of one's own, or `{"$yours": n}` for the other side's proxy).
    `load` turns JSON data back; `resolve(tag)` gives the object a handle names. `dump_all`
    and `dump_fields` dump a message's own list or dict (arguments), which is not a value."""

    def __init__(
        self,
        refer: Callable[[Any], dict[str, Any]],
        resolve: Callable[[dict[str, Any]], Any],
        first: int,
    ) -> None:
        self.refer, self.resolve = refer, resolve
        self.mirrors = Mirrors(self, first)

    def dump(self, value: Any) -> Any:
        kind = type(value)
        if id(kind) in _SCALARS:
            return value
        name = MIRRORED.get(id(kind))
        if name is not None:
            return {"$m": self.mirrors.key(value, name)}
        if kind is type and BUILTIN_TYPES.get(BUILTIN_TYPE_NAMES.get(id(value), "")) is value:
            return {"$type": BUILTIN_TYPE_NAMES[id(value)]}
        return self.refer(value)

    def dump_all(self, values: Any) -> list[Any]:
        return [self.dump(v) for v in values]

    def dump_fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {k: self.dump(v) for k, v in fields.items() if not k.startswith("$")}

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
        if tag == "$m" and type(inner) is int:
            return self.mirrors.resolve(inner)
        if tag == "$bytes" and type(inner) is str:
            return base64.b64decode(inner)
        if tag == "$type" and type(inner) is str and inner in BUILTIN_TYPES:
            return BUILTIN_TYPES[inner]
        if tag in ("$obj", "$yours") and type(inner) is int:
            return self.resolve(data)
        raise ValueError(f"a malformed value crossed the wire: {tag}")


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

    def __init__(self, link: Any, module: str, first: int) -> None:
        self.link, self.module = link, module  # module: what made classes say they come from
        self.objects: list[Any] = []
        self._index: dict[int, int] = {}
        self.proxies: dict[int, Any] = {}
        self.classes: dict[int, type] = {}
        self.handles: dict[int, int] = {}  # id of a made class or exception -> its handle
        self.codec = Codec(self.refer, self.resolve, first)  # first: its first mirror key

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
            tag["args"] = self.codec.dump_all(value.args)
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
