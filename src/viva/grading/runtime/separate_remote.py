"""The harness's side of values crossing to a solution's process (see separate.py): the
table of the test's objects handed over (called there only through public methods, their
`__call__` and a few protocols, in this process), and `Remote`, the test's view of an
object that stays in the solution's process."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

from separate_values import PROTOCOLS, Table

# What a solution may ask of an object of the test's besides its public methods: its call
# and these protocols (an iterator the test hands over, a sequence), nothing by a private name.
SPECIALS: dict[str, Callable[..., Any]] = PROTOCOLS
# What `functools.wraps` copies, read once when a function is handed over.
FUNCTION_META = ("__name__", "__qualname__", "__module__", "__doc__", "__annotations__")


class HarnessTable(Table):  # type: ignore[misc]  # imported by bare name: Any to mypy
    """Objects of the test's handed to the solution (by handle), and the proxies of the
    solution's objects the test holds (one per handle, so identity holds here too)."""

    def __init__(self, link: Any) -> None:
        super().__init__(link, "solution", 0)
        self.texts: dict[int, tuple[BaseException, str]] = {}
        # Served only through their own requests (SQL, ASGI events): never a method or
        # attribute of theirs (a connection's `set_trace_callback`, `set_authorizer`...).
        self.sealed: tuple[type, ...] = (sqlite3.Connection, sqlite3.Cursor)

    def target(self, handle: Any) -> Any:
        if type(handle) is not int or not 0 <= handle < len(self.objects):
            raise ValueError("no such object")
        return self.objects[handle]

    def refer(self, value: Any) -> dict[str, Any]:
        if isinstance(value, RemoteMethod):
            value = value.resolved()  # the solution's own bound method, as `get` gives it
        if isinstance(value, Remote):
            return {"$yours": object.__getattribute__(value, "ref")}
        if id(value) in self.handles:
            return {"$yours": self.handles[id(value)]}
        tag: dict[str, Any] = {"$obj": self.keep(value)}
        if isinstance(value, sqlite3.Connection):
            tag["sqlite"] = True
        elif not self.tag_raised(tag, value):
            kind = type(value)
            tag["methods"] = [
                n for n in dir(kind) if not n.startswith("_") and callable(getattr(kind, n, None))
            ]
            if isinstance(value, (FunctionType, BuiltinFunctionType, MethodType)):
                meta = self.codec.dump_fields({n: getattr(value, n, None) for n in FUNCTION_META})
                meta["__dict__"] = self.codec.dump_fields(dict(getattr(value, "__dict__", {})))
                tag["meta"] = meta
        return tag

    def resolve(self, tag: dict[str, Any]) -> Any:
        if "$yours" in tag:
            return self.target(tag["$yours"])
        handle = tag["$obj"]
        known = self.proxies.get(handle)
        if known is not None:
            return known
        made: Any = self.make_raised(tag)
        if made is None:
            methods = tag.get("methods")
            methods = methods if type(methods) is list else []
            made = Remote(self.link, handle, frozenset(m for m in methods if type(m) is str))
        self.proxies[handle] = made
        if not isinstance(made, Remote):
            self.handles[id(made)] = handle
        return made

    def perform(self, message: dict[str, Any]) -> Any:
        """A solution's request on one of the test's objects: `invoke` (a public method, or
        the object's own call), `get` (a public attribute) or `special` (SPECIALS)."""
        op, target, name = message.get("op"), self.target(message.get("h")), message.get("m")
        if isinstance(target, self.sealed):
            raise TypeError(f"{op!r} is not a request the test serves on this object")
        args = self.codec.load(message.get("a", []))
        if type(args) is not list:
            raise TypeError("arguments are a list")
        if op == "invoke":
            kwargs = self.codec.load(message.get("k", {}))
            if type(kwargs) is not dict:
                raise TypeError("keyword arguments are a dict")
            if name is None:
                if not callable(target):
                    raise TypeError(f"{type(target).__name__} object is not callable")
                return target(*args, **kwargs)
            if type(name) is not str or name.startswith("_"):
                raise AttributeError(f"{type(target).__name__} has no method {name!r} to call")
            method = getattr(target, name)
            if not callable(method):
                raise TypeError(f"{name!r} is not a method")
            return method(*args, **kwargs)
        if op == "get" and type(name) is str and not name.startswith("_"):
            return getattr(target, name)
        if op == "special" and type(name) is str and name in SPECIALS:
            return SPECIALS[name](target, *args)
        raise TypeError(f"{op!r} of {name!r} is not a request the test serves")


class Remote:
    """An object of the solution's (a class, an instance, a function, an iterator), by
    reference: its attributes, calls and protocols are asked of the solution's process;
    what comes back is plain data or another `Remote`. `==` and `hash` are identity."""

    __slots__ = ("link", "methods", "ref")

    def __init__(self, link: Any, ref: int, methods: frozenset[str] = frozenset()) -> None:
        object.__setattr__(self, "link", link)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "methods", methods)  # plain methods, by the solution's word

    def _ask(self, command: dict[str, Any]) -> Any:
        link = object.__getattribute__(self, "link")
        command["obj"] = object.__getattribute__(self, "ref")
        return link.ask_value(command)

    def __getattr__(self, name: str) -> Any:
        if name in object.__getattribute__(self, "methods"):
            return RemoteMethod(self, name)
        return self._ask({"cmd": "get", "name": name})

    def __setattr__(self, name: str, value: Any) -> None:
        codec = object.__getattribute__(self, "link").table.codec
        self._ask({"cmd": "set", "name": name, "value": codec.dump(value)})

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        codec = object.__getattribute__(self, "link").table.codec
        return self._ask(
            {"cmd": "invoke", "args": codec.dump_all(args), "kwargs": codec.dump_fields(kwargs)}
        )

    def _special(self, name: str, *args: Any) -> Any:
        codec = object.__getattribute__(self, "link").table.codec
        return self._ask({"cmd": "special", "name": name, "args": codec.dump_all(args)})

    def __iter__(self) -> Any:
        return self._special("__iter__")

    def __next__(self) -> Any:
        return self._special("__next__")

    def __len__(self) -> int:
        return int(self._special("__len__"))

    def __bool__(self) -> bool:
        return bool(self._special("__bool__"))

    def __contains__(self, item: Any) -> bool:
        return bool(self._special("__contains__", item))

    def __getitem__(self, key: Any) -> Any:
        return self._special("__getitem__", key)

    def __repr__(self) -> str:
        text = self._special("__repr__")
        return text if type(text) is str else "<solution object>"

    def __str__(self) -> str:
        text = self._special("__str__")
        return text if type(text) is str else "<solution object>"

    def _attribute(self, name: str) -> Any:
        return self._ask({"cmd": "get", "name": name})

    # In the class's own dict (an instance would find the class's otherwise).
    __doc__ = property(lambda self: self._attribute("__doc__"))
    __module__ = property(lambda self: self._attribute("__module__"))


class RemoteMethod:
    """`remote.name` where the solution's process said `name` is a plain method: called at
    once, lookup and call are one request (`callmethod`); put to any other use, or when any
    other request is about to be sent first, it is looked up as `get` would have (the link
    resolves it before sending that request), so the solution's process sees the same
    requests in the same order as without it."""

    __slots__ = ("done", "got", "name", "owner", "raised")

    def __init__(self, owner: Remote, name: str) -> None:
        self.owner, self.name, self.done = owner, name, False
        self.got: Any = None
        self.raised: BaseException | None = None
        object.__getattribute__(owner, "link").lazy.append(self)

    def resolve(self) -> None:
        """The lookup, now (the link calls this before another request goes out)."""
        if not self.done:
            self.done = True
            try:
                self.got = self.owner._ask({"cmd": "get", "name": self.name})
            except BaseException as exc:  # raised where the attribute is used, as it was read
                self.raised = exc

    def resolved(self) -> Any:
        link = object.__getattribute__(self.owner, "link")
        if self in link.lazy:
            link.lazy.remove(self)
        self.resolve()
        if self.raised is not None:
            raise self.raised
        return self.got

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        link = object.__getattribute__(self.owner, "link")
        if self.done or self not in link.lazy:
            return self.resolved()(*args, **kwargs)
        link.lazy.remove(self)
        self.done = True
        codec = link.table.codec
        command = {"cmd": "callmethod", "name": self.name, "args": codec.dump_all(args)}
        return self.owner._ask({**command, "kwargs": codec.dump_fields(kwargs)})

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolved(), name)

    def __repr__(self) -> str:
        return repr(self.resolved())

    def __str__(self) -> str:
        return str(self.resolved())
