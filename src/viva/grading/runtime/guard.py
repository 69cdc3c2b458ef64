"""An audit hook, installed by the harness before any candidate code runs, that refuses the
introspection a program would need to rewrite the harness or read what it holds.

Defence in depth, not a boundary: CPython's audit hooks can be bypassed (a library function
that hands out a frame, a memory-corruption bug), so the verdict never rests on it alone
(records carry a secret, expectations stay on the host). What it refuses to graded code:
- frames: `sys._getframe`, traceback/generator/coroutine frames, `sys._current_frames`,
  tracing and profiling (which could also rewrite a frame's locals);
- the object graph: `gc.get_objects/get_referrers/get_referents`;
- raw memory: `ctypes`, `/proc/*/mem`, new code objects (`code.__new__`, `marshal`: the
  harness points `sys.pycache_prefix` elsewhere, so imports compile from source), rebinding
  a function's code, CPython's test modules;
- its own audit hooks (they would see every step's code as it is compiled).
Code the harness compiled from a test (setup and steps) may use `gc` and audit hooks; library
code may take a frame where it only reads the module name from it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
ALWAYS = frozenset(
    {
        "sys._current_frames",
        "sys.settrace",
        "sys.setprofile",
        "code.__new__",
        "marshal.loads",
        "marshal.load",
    }
)
UNSAFE_MODULES = frozenset(
    {"_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase", "_ctypes_test"}
)
TEST_CODE_ONLY = frozenset(
    {"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.addaudithook"}
)
WATCHED = ALWAYS | TEST_CODE_ONLY | {"sys._getframe", "object.__getattr__"}
WATCHED |= {"object.__setattr__", "open", "function.__new__", "import"}


def _codes_of(functions: list[Any]) -> set[int]:
    """ids of the code objects of these functions (and of functions nested in them)."""
    found: set[int] = set()
    todo = [getattr(f, "__code__", None) for f in functions]
    while todo:
        code = todo.pop()
        if isinstance(code, CodeType) and id(code) not in found:
            found.add(id(code))
            todo.extend(c for c in code.co_consts if isinstance(c, CodeType))
    return found


def _library_frame_users() -> list[Any]:
    """Library functions that take a frame only to read a module name or a namespace."""
    found: list[Any] = []
    for module, path in (
        ("collections", "namedtuple"),
        ("typing", "_caller"),
        ("typing_extensions", "_has_generic_or_protocol_as_origin"),
        ("typing_extensions", "_caller"),
        ("enum", "EnumType._create_"),
        ("pydantic._internal._typing_extra", "parent_frame_namespace"),
        ("pydantic._internal._generics", "_get_caller_frame_info"),
        ("pydantic.main", "create_model"),
        ("pydantic.type_adapter", "TypeAdapter.rebuild"),
        ("anyio.abc._tasks", "get_coro_name"),
        ("anyio._lazyimport", "install_lazy_importer"),
        ("asyncio.coroutines", "_format_coroutine"),
    ):
        target: Any = sys.modules.get(module)
        for part in path.split("."):
            target = getattr(target, part, None)
        if target is not None:
            found.append(target)
    return found


def _frame_lenders() -> dict[int, set[int]]:
    """Library functions that return the frame they take, by the functions allowed to call
    them: anyone else (graded code first) would walk `f_back` from it to the harness."""
    lenders: dict[int, set[int]] = {}
    adapter = getattr(sys.modules.get("pydantic.type_adapter"), "TypeAdapter", None)
    fetch = getattr(adapter, "_fetch_parent_frame", None)
    init = getattr(adapter, "__init__", None)
    if fetch is not None and init is not None:
        lenders[id(fetch.__code__)] = {id(init.__code__)}
    return lenders


class Guard:
    """The hook's state. `trust(code)` marks test code the harness compiled; `privileged()`
    lets the harness itself read candidate tracebacks."""

    def __init__(self, harness_functions: list[Any]) -> None:
        self.harness = _codes_of(harness_functions)
        self.library = _codes_of(_library_frame_users())
        self.lenders = _frame_lenders()
        self.tests: set[int] = set()
        self._keep: list[CodeType] = []  # trusted code stays alive, so its id is not reused
        self._depth = [0, 0]  # [privileged sections, re-entry]

    def trust(self, code: CodeType) -> CodeType:
        todo = [code]
        while todo:
            c = todo.pop()
            self._keep.append(c)
            self.tests.add(id(c))
            todo.extend(k for k in c.co_consts if isinstance(k, CodeType))
        return code

    @contextmanager
    def privileged(self) -> Iterator[None]:
        self._depth[0] += 1
        try:
            yield
        finally:
            self._depth[0] -= 1

    def hook(self) -> Callable[[str, tuple[Any, ...]], None]:
        depth, tests, library, harness = self._depth, self.tests, self.library, self.harness
        lenders = self.lenders
        getframe, str_type, frame_type = sys._getframe, str, FrameType

        def refuse(event: str) -> None:
            raise RuntimeError(f"{event} is not available to graded code")

        def audit(event: str, args: tuple[Any, ...]) -> None:
            if depth[1] or depth[0]:
                return
            if event not in WATCHED:
                if event.startswith("ctypes."):
                    refuse("ctypes")
                return
            depth[1] = 1
            try:
                if event == "object.__getattr__":
                    name = args[1]
                    if type(name) is not str_type or name not in FRAME_ATTRIBUTES:
                        return
                elif event == "object.__setattr__":
                    if type(args[1]) is str_type and args[1] == "__code__":
                        refuse("rebinding a function's code")
                    return
                elif event == "open":
                    path = args[0]
                    if type(path) is bytes:
                        path = path.decode("utf-8", "replace")
                    # relative to a /proc directory too (through a symlink the kernel refuses
                    # it: the worker is not dumpable)
                    if type(path) is str_type and (
                        path.rsplit("/", 1)[-1] == "mem" or "map_files" in path
                    ):
                        refuse("reading process memory")
                    return
                elif event == "import":
                    if type(args[0]) is str_type and args[0] in UNSAFE_MODULES:
                        refuse(f"importing {args[0]}")
                    return
                elif event == "function.__new__":
                    if id(args[0]) in tests or id(args[0]) in harness:
                        refuse("a new function from the harness's code")
                    return
                if event in ALWAYS:
                    refuse(event)
                caller = getframe(1)
                code = id(caller.f_code)
                if event in TEST_CODE_ONLY:
                    if code not in tests:
                        refuse(event)
                    return
                # a frame: only for library code that reads a name from it, never the harness's
                if code not in library:
                    borrowers = lenders.get(code)
                    back = caller.f_back
                    if borrowers is None or back is None or id(back.f_code) not in borrowers:
                        refuse("frame introspection")
                frame = args[0] if event == "sys._getframe" else getattr(args[0], args[1])
                if type(frame) is frame_type and id(frame.f_code) in harness:
                    refuse("frame introspection")
            finally:
                depth[1] = 0

        return audit


def install(harness_functions: list[Any]) -> Guard:
    guard = Guard(harness_functions)
    sys.addaudithook(guard.hook())
    return guard
