"""Runs and checks the code blocks of model answers, one way per language."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import asyncpg
import yaml

from viva.bank.answers import CodeBlock

FIXTURE_SQL = (Path(__file__).parent / "fixture.sql").read_text()
# Languages shown to the reader but never executed or parsed (shell sessions, HCL, ...).
DISPLAY_ONLY = {
    "bash",
    "sh",
    "shell",
    "console",
    "text",
    "hcl",
    "terraform",
    "nginx",
    "http",
    "ini",
}
DOCKERFILE_INSTRUCTIONS = {
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
}
K8S_WORKLOADS = {
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Pod",
    "Service",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "Ingress",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "PersistentVolumeClaim",
}


def classify(block: CodeBlock) -> str:
    """The way a block is checked: python, pytest, sql-sqlite, sql-postgres, sql, yaml, ..."""
    if not block.runnable:
        return "not-runnable"
    lang = block.language
    if lang in ("python", "py"):
        return "pytest" if "pytest" in block.flags else "python"
    if lang in ("sql", "postgresql", "sqlite"):
        if lang == "postgresql" or "postgres" in block.flags:
            return "sql-postgres"
        if lang == "sqlite" or "sqlite" in block.flags:
            return "sql-sqlite"
        return "sql"
    if lang in ("yaml", "yml"):
        return "yaml"
    if lang in ("dockerfile", "docker"):
        return "dockerfile"
    if lang in ("json", "toml"):
        return lang
    if lang in DISPLAY_ONLY:
        return "display-only"
    return "unknown"


def run_python(block: CodeBlock, tmp_path: Path, *, redis_url: str, as_pytest: bool) -> None:
    script = tmp_path / ("test_example.py" if as_pytest else "example.py")
    script.write_text(block.source)
    argv = (
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "default",
            str(script),
        ]
        if as_pytest
        else [sys.executable, str(script)]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIVA_", "PYTEST_"))}
    env["REDIS_URL"] = redis_url
    proc = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )


def run_sql_sqlite(block: CodeBlock) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(FIXTURE_SQL)
        conn.executescript(block.source)
    finally:
        conn.close()


def run_sql_postgres(block: CodeBlock, dsn: str) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        schema = f"answer_{uuid.uuid4().hex[:12]}"
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
            await conn.execute(f'SET search_path TO "{schema}"')
            await conn.execute(FIXTURE_SQL)
            await conn.execute(block.source)
        finally:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()

    asyncio.run(go())


def check_yaml(block: CodeBlock) -> None:
    docs = [d for d in yaml.safe_load_all(block.source) if d is not None]
    assert docs, "empty YAML"
    for doc in docs:
        assert isinstance(doc, dict), "a YAML document should be a mapping"
        if "apiVersion" in doc or "kind" in doc:
            for key in ("apiVersion", "kind", "metadata"):
                assert key in doc, f"Kubernetes manifest without {key}"
            if doc["kind"] in K8S_WORKLOADS:
                assert "spec" in doc, f"{doc['kind']} without spec"
        elif "jobs" in doc:  # GitHub Actions: `on` parses as True in YAML 1.1
            assert "on" in doc or True in doc, "workflow without 'on'"
            for name, job in doc["jobs"].items():
                assert "runs-on" in job or "uses" in job, f"job {name} without runs-on"
                assert "steps" in job or "uses" in job, f"job {name} without steps"


def check_dockerfile(block: CodeBlock) -> None:
    text = re.sub(r"\\\n", " ", block.source)
    instructions = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instructions.append(line.split()[0].upper())
    assert instructions, "empty Dockerfile"
    assert instructions[0] in ("FROM", "ARG"), "a Dockerfile starts with FROM (or ARG)"
    unknown = [i for i in instructions if i not in DOCKERFILE_INSTRUCTIONS]
    assert not unknown, f"unknown instructions: {unknown}"


def check_data(block: CodeBlock, kind: str) -> None:
    if kind == "json":
        json.loads(block.source)
    else:
        tomllib.loads(block.source)
