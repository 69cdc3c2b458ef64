"""The hostile, isolation and SQLite-worker suites again, as an ordinary user: unprivileged mode.

The suite runs as root here, so this test creates a system user (`vivatest`) when it is
missing and runs tests/grading/test_hostile.py and test_isolation.py as that user in a
pytest of their own. There the sandbox picks its unprivileged mode by itself: bubblewrap in a
user namespace per slot, no uid per slot. The source tree and the venv must be readable by
that user (a clone made with umask 077 is not; then this test says how to fix it).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import IN_CI, unavailable

USER = "vivatest"
ROOT = Path(__file__).resolve().parents[2]


def _ensure_user() -> None:
    try:
        pwd.getpwnam(USER)
        return
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        unavailable("useradd not found: cannot create the unprivileged test user")
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
        check=True,
        capture_output=True,
    )


def _needed() -> list[Path]:
    """What the test user's pytest reads: the tree, the venv and the interpreter it uses."""
    return [ROOT, Path(sys.prefix), Path(os.path.realpath(sys.base_prefix))]


def _inaccessible(paths: list[Path]) -> set[Path]:
    """Those of `paths` (and of their parents) the test user cannot enter."""
    probe = "import os, sys\nprint('\\n'.join(p for p in sys.argv[1:] if not os.access(p, 5)))"
    every = sorted({q for p in paths for q in (*p.parents, p)}, key=lambda q: len(q.parts))
    result = subprocess.run(
        ["runuser", "-u", USER, "--", "/usr/bin/python3", "-c", probe, *map(str, every)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {Path(line) for line in result.stdout.splitlines() if line}


def _overlay_script(blocked: set[Path], stage: Path) -> str:
    """Shell lines, run as root in a private mount namespace, that cover each closed folder
    (e.g. /root, where a version manager keeps the interpreter) with an empty tmpfs and bind
    only the needed paths back: the test user sees them and nothing else of that folder.
    Nothing changes outside that namespace, and it ends with the test."""
    tops = {b for b in blocked if not any(p in blocked for p in b.parents)}
    lines = []
    for i, top in enumerate(sorted(tops)):
        inside = [p for p in _needed() if top in p.parents]
        for j, path in enumerate(inside):
            lines += [f"mkdir -p {stage}/{i}-{j}", f"mount --bind {path} {stage}/{i}-{j}"]
        lines.append(f"mount -t tmpfs -o mode=755 tmpfs {top}")
        for j, path in enumerate(inside):
            lines += [f"mkdir -p {path}", f"mount --bind {stage}/{i}-{j} {path}"]
    return "\n".join(lines)


def test_hostile_and_isolation_suites_pass_in_unprivileged_mode() -> None:
    if os.geteuid() != 0:
        unavailable("needs root to run the suites as another, unprivileged user")
    if shutil.which("runuser") is None or shutil.which("bwrap") is None:
        unavailable("runuser or bubblewrap not installed")
    _ensure_user()
    blocked = _inaccessible(_needed())
    # A closed parent folder can be bridged (below), a closed tree itself not.
    if any(p in blocked and not blocked & set(p.parents) for p in _needed()):
        message = (
            f"user {USER} cannot read {ROOT}: make the clone readable (chmod -R o+rX, or "
            "clone with umask 022)"
        )
        if IN_CI:
            raise AssertionError(message)
        unavailable(message)
    # Not pytest's tmp_path: its parent is closed to other users.
    work = Path(tempfile.mkdtemp(prefix="viva-unprivileged-"))
    try:
        _run_as_test_user(work, blocked)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_as_test_user(work: Path, blocked: set[Path]) -> None:
    home = work / "home"
    home.mkdir()
    entry = pwd.getpwnam(USER)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    work.chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "VIVA_TEST_RUN": "unpriv" + os.environ.get("VIVA_TEST_RUN", ""),
        "CI": "true",  # the sandbox must start there: a skip would hide a failure
    }
    runuser = shutil.which("runuser") or "runuser"
    pytest = [runuser, "-u", USER, "--", sys.executable, "-m", "pytest"]
    pytest += ["tests/grading/test_hostile.py", "tests/grading/test_isolation.py"]
    pytest += ["tests/grading/sql/test_sqlite_sandbox.py", "-k", "not api"]
    pytest += ["-q", "-p", "no:cacheprovider", "--basetemp", str(home / "t"), "-x"]
    stage = work / "stage"
    script = _overlay_script(blocked, stage) + '\nexec "$@"'
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-ec", script, "sh", *pytest]
    result = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    tail = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail, tail
    print(tail.strip().splitlines()[-1])
