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
- its own audit hooks (they would see every step's code as it is compiled);
- Python signal handlers (a handler is handed the interrupted frame, with no audit event):
  `signal.signal` raises ValueError (asyncio.run expects that off the main thread and goes
  on), and a fresh `_signal` or `_imp` cannot be made (`_imp.create_builtin` refuses them,
  a re-import is refused). Threads and the C-level handlers (faulthandler) are unaffected.
Code the harness compiled from a test (setup and steps) may use `gc` and audit hooks; library
code may take a frame where it only reads the module name from it.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

# The guard's functions look builtins up here (bound when each is defined): a copy taken
# before any candidate code runs. Graded code may rebind `builtins.type` or `builtins.id`;
# the hook's own checks must not see that.
globals()["__builtins__"] = dict(vars(builtins))

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
# Made once, never again: a fresh `_signal` would install Python handlers, a fresh `_imp`
# would create one.
SEALED_MODULES = frozenset({"_signal", "_imp"})
HIDDEN_ATTRIBUTES = frozenset({"__defaults__", "__kwdefaults__"})
# Compiled in a namespace of their own (no globals of the guard's to walk to). The original
# `create_builtin` is a default argument, which reading is refused (an audited attribute).
_SEALS = """
def signal(signalnum, handler):
    raise ValueError("signal handlers are not available to graded code")

def create_builtin(spec, _create=_create, _spec=_spec, _sealed=_sealed):
    name = spec.name
    if type(name) is not str or name in _sealed:
        raise ImportError(f"{name!r} is not available to graded code")
    return _create(_spec(name, None, origin="built-in"))
"""
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
        self.sealed: set[int] = set()  # the guard's replacements (their defaults stay hidden)
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

    def privileged(self) -> _Privileged:
        return _Privileged(self._depth)

    def hook(self) -> Callable[[str, tuple[Any, ...]], None]:
        depth, tests, library, harness = self._depth, self.tests, self.library, self.harness
        lenders, sealed = self.lenders, self.sealed
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
                    if type(name) is str_type and name in HIDDEN_ATTRIBUTES:
                        if id(args[0]) in sealed:
                            refuse("the guard's own state")
                        return
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
                    if type(args[0]) is str_type and args[0] in UNSAFE_MODULES | SEALED_MODULES:
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


class _Privileged:
    """A section in which the harness may read what the hook refuses to graded code. A class
    of the guard's own, not `contextlib.contextmanager`: graded code can rebind a library
    class's `__exit__` (the section would never end, and the hook would stay open)."""

    def __init__(self, depth: list[int]) -> None:
        self._depth = depth

    def __enter__(self) -> None:
        self._depth[0] += 1

    def __exit__(self, *exc: object) -> None:
        self._depth[0] -= 1


def _seal_signals() -> list[Any]:
    """Replace `_signal.signal` (which `signal.signal` calls) and `_imp.create_builtin`;
    returns the replacements, whose defaults the hook hides."""
    import _imp
    import _signal  # type: ignore[import-not-found]
    import signal  # loaded now: later it would import a patched _signal
    from importlib.machinery import ModuleSpec

    namespace: dict[str, Any] = {
        "__builtins__": {"ValueError": ValueError, "ImportError": ImportError, "str": str}
        | {"type": type},
        "_create": _imp.create_builtin,
        "_spec": ModuleSpec,
        "_sealed": SEALED_MODULES,
    }
    exec(compile(_SEALS, "<guard>", "exec", dont_inherit=True), namespace)
    for name in ("_create", "_spec", "_sealed"):  # now only in the hidden defaults
        del namespace[name]
    _signal.signal = namespace["signal"]
    signal.signal.__wrapped__ = namespace["signal"]  # type: ignore[attr-defined]  # wraps()
    _imp.create_builtin = namespace["create_builtin"]
    return [namespace["signal"], namespace["create_builtin"]]


def install(harness_functions: list[Any]) -> Guard:
    guard = Guard(harness_functions)
    guard.sealed = {id(f) for f in _seal_signals()}
    sys.addaudithook(guard.hook())
    return guard
