"""Exceptions crossing between the harness and a solution's process (see separate_values.py):
by their class chain, so the receiver raises one that `except` clauses and `raises:` steps
treat as the sender's, made without calling any `__init__` of the sender's."""

from __future__ import annotations

import builtins as _builtins
from collections.abc import Callable
from typing import Any

# Taken before any candidate code runs (graded code may rebind names in `builtins`).
BUILTIN_TYPES = {n: v for n, v in vars(_builtins).items() if isinstance(v, type)}


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
