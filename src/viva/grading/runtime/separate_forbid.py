"""`solution_without` (see separate.py): the modules a test declares off limits are taken out
of the solution's process before any candidate code runs in it (out of `sys.modules` and of
every other module's names), and an audit hook refuses importing them or opening their files."""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

# Which module's names hold a module, or a function or class of a module (by its top-level
# name): noted once in the zygote after its preload (index_module_names), so that a test's
# process need not scan every name of every module to take the forbidden ones out.
_HOLDERS: dict[str, list[tuple[str, str]]] = {}
_INDEXED: set[str] = set()


def _roots(space: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key, value in space.items():
        if isinstance(value, ModuleType):
            owner: Any = value.__name__
        elif callable(value):
            owner = getattr(value, "__module__", None)
        else:
            continue
        if type(owner) is str:
            found.append((key, owner.partition(".")[0]))
    return found


def index_module_names() -> None:
    """Before any job (the zygote, after its preload): note what forbid_modules looks for."""
    for name, module in list(sys.modules.items()):
        space = getattr(module, "__dict__", None)
        if type(space) is not dict or name in _INDEXED:
            continue
        _INDEXED.add(name)
        for key, root in _roots(space):
            _HOLDERS.setdefault(root, []).append((name, key))


def forbid_modules(names: list[str]) -> None:
    """Before any candidate code runs in this process: the named modules cannot be found
    (out of `sys.modules` and of every other module's names), imported, or loaded from their
    files (an audit hook, which graded code can neither remove nor reach). A hook that
    refuses is the only record: the test decides from what the solution then returns."""
    forbidden = frozenset(names)
    files = set()
    for name in forbidden:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        if origin is None:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
        if origin and os.path.exists(origin):
            found = os.stat(origin)
            files.add((found.st_dev, found.st_ino))
    holders = [h for root in forbidden for h in _HOLDERS.get(root, [])]
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in forbidden:
            del sys.modules[name]
        elif name not in _INDEXED and type(getattr(module, "__dict__", None)) is dict:
            holders += [(name, k) for k, root in _roots(vars(module)) if root in forbidden]
    for name, key in holders:
        if name.startswith(("importlib", "_frozen_importlib")):
            continue  # the import system's own (marshal): the guard covers those
        space = getattr(sys.modules.get(name), "__dict__", None)
        if type(space) is dict:
            value = space.get(key)
            if value is not None and any(r in forbidden for _, r in _roots({key: value})):
                del space[key]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "import" and str(args[0]).partition(".")[0] in forbidden:
            raise ImportError(f"{args[0]} is not available in this test")
        if event == "open" and files and isinstance(args[0], (str, bytes, int)):
            try:
                found = os.stat(args[0])
            except (OSError, ValueError):
                return
            if (found.st_dev, found.st_ino) in files:
                raise PermissionError("this module's file is not available in this test")

    sys.addaudithook(hook)
