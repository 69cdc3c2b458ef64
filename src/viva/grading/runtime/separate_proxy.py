"""The solution's side of values crossing from the test (see separate.py): the table of the
solution's objects the test holds by handle, and `Proxy`, the solution's view of an object
of the test's (a function to retry, a clock, a store): calling it, its public methods and
attributes, and its iteration are requests to the test's process, answered with plain data.
A function's proxy carries what `functools.wraps` copies (name, doc, annotations...)."""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

from separate_values import PROTOCOLS, Table

# The protocols the test may ask of a solution's object (the solution's own code runs them).
SPECIALS: dict[str, Callable[..., Any]] = {**PROTOCOLS, "__repr__": repr, "__str__": str}


class SolutionTable(Table):  # type: ignore[misc]  # imported by bare name: Any to mypy
    """The solution's objects the test holds, and the proxies of the test's objects."""

    def __init__(self, link: Any, connection: Callable[[int], Any]) -> None:
        super().__init__(link, "test", 1)
        self.connection = connection

    def refer(self, value: Any) -> dict[str, Any]:
        if id(value) in self.handles and self.proxies.get(self.handles[id(value)]) is value:
            return {"$yours": self.handles[id(value)]}
        tag: dict[str, Any] = {"$obj": self.keep(value)}
        if not self.tag_raised(tag, value):
            methods = plain_methods(value)
            if methods:
                tag["methods"] = methods
        return tag

    def resolve(self, tag: dict[str, Any]) -> Any:
        if "$yours" in tag:
            handle = tag["$yours"]
            if not 0 <= handle < len(self.objects):
                raise ValueError("no such object")
            return self.objects[handle]
        handle = tag["$obj"]
        if handle in self.proxies:
            return self.proxies[handle]
        made: Any
        if tag.get("sqlite") is True:
            made = self.connection(handle)
        elif (raised := self.make_raised(tag)) is not None:
            made = raised
        else:
            methods = tag.get("methods")
            meta = self.codec.load(tag.get("meta"))
            made = Proxy(
                self.link,
                handle,
                frozenset(methods) if type(methods) is list else frozenset(),
                meta if type(meta) is dict else None,
            )
        self.proxies[handle] = made
        self.handles[id(made)] = handle
        return made


def plain_methods(value: Any) -> list[str]:
    """The public names that reach a plain function of an instance's class (no instance
    attribute over it, no `__getattr__` or `__getattribute__` of the class's own, a class
    made by `type`): the test calls these in one request (`callmethod`), the lookup done
    over here when the call is made. Only a hint: whatever the object is, it is asked."""
    try:
        cls = type(value)
        if type(cls) is not type or cls is type:
            return []
        mro = type.__dict__["__mro__"].__get__(cls)
        found: dict[str, bool] = {}
        for c in mro:
            namespace = type.__dict__["__dict__"].__get__(c)
            if c is not object and ("__getattr__" in namespace or "__getattribute__" in namespace):
                return []
            for name, v in namespace.items():
                if type(name) is str and name not in found:
                    found[name] = type(v) is FunctionType
        try:
            own = object.__getattribute__(value, "__dict__")
        except AttributeError:
            own = {}
        own = own if type(own) is dict else {}
        return [n for n, plain in found.items() if plain and n[:1] != "_" and n not in own]
    except Exception:
        return []


def _meta(name: str) -> Any:
    def read(self: Proxy) -> Any:
        meta = object.__getattribute__(self, "_meta")
        if meta is None or name not in meta:
            raise AttributeError(name)
        return meta[name]

    return property(read)


class Proxy:
    """An object of the test's, by reference."""

    __slots__ = ("__dict__", "_handle", "_link", "_meta", "_methods")

    def __init__(
        self, link: Any, handle: int, methods: frozenset[str], meta: dict[str, Any] | None
    ) -> None:
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_methods", methods)
        object.__setattr__(self, "_meta", meta)
        if meta is not None and type(meta.get("__dict__")) is dict:
            self.__dict__.update(meta.pop("__dict__"))

    # In the class's own dict (an instance would find the class's); `__name__`,
    # `__qualname__` and `__annotations__` are found by `__getattr__`.
    __module__ = _meta("__module__")
    __doc__ = _meta("__doc__")

    def _request(self, op: str, name: str | None, args: Any = (), kwargs: Any = None) -> Any:
        link = object.__getattribute__(self, "_link")
        codec = link.table.codec
        message = {"op": op, "h": object.__getattribute__(self, "_handle"), "m": name}
        message["a"] = codec.dump_all(args)
        if kwargs is not None:
            message["k"] = codec.dump_fields(kwargs)
        return link.ask(message)

    def __getattr__(self, name: str) -> Any:
        meta = object.__getattribute__(self, "_meta")
        if meta is not None and name in meta:
            return meta[name]
        if name in object.__getattribute__(self, "_methods"):

            def method(*args: Any, **kwargs: Any) -> Any:
                return self._request("invoke", name, args, kwargs)

            return method
        if name.startswith("_"):
            raise AttributeError(name)
        return self._request("get", name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._request("invoke", None, args, kwargs)

    def __iter__(self) -> Any:
        return self._request("special", "__iter__")

    def __next__(self) -> Any:
        return self._request("special", "__next__")

    def __len__(self) -> int:
        return int(self._request("special", "__len__"))

    def __bool__(self) -> bool:
        return bool(self._request("special", "__bool__"))

    def __contains__(self, item: Any) -> bool:
        return bool(self._request("special", "__contains__", (item,)))

    def __getitem__(self, key: Any) -> Any:
        return self._request("special", "__getitem__", (key,))


def command(
    what: Any, message: dict[str, Any], table: SolutionTable, module: dict[str, Any]
) -> Any:
    """A request of the test on the solution's objects (already loaded), its answer dumped."""
    codec = table.codec
    if what == "call":
        function = module.get(message.get("name"))  # type: ignore[arg-type]
        if not callable(function):
            raise AttributeError(f"solution.py defines no {message.get('name')}()")
        args, kwargs = codec.load(message.get("args", [])), codec.load(message.get("kwargs", {}))
        return codec.dump(function(*args, **kwargs))
    handle = message.get("obj")
    if type(handle) is not int or not 0 <= handle < len(table.objects):
        raise ValueError("no such object")
    target, name = table.objects[handle], message.get("name")
    if what == "get":
        return codec.dump(getattr(target, str(name)))
    if what == "set":
        setattr(target, str(name), codec.load(message.get("value")))
        return None
    if what in ("invoke", "callmethod"):
        args, kwargs = codec.load(message.get("args", [])), codec.load(message.get("kwargs", {}))
        if what == "callmethod":  # `target.name(...)`: the lookup, then the call
            target = getattr(target, str(name))
        return codec.dump(target(*args, **kwargs))
    if what == "special" and name in SPECIALS:
        return codec.dump(SPECIALS[str(name)](target, *codec.load(message.get("args", []))))
    raise ValueError(f"unknown command {what!r}")


def names(module: dict[str, Any], table: SolutionTable) -> dict[str, Any]:
    """The solution's top-level names (each dumped), for the test's namespace."""
    return {k: table.codec.dump(v) for k, v in module.items() if not k.startswith("__")}
