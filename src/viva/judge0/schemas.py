"""What a Judge0 client sends and gets: the submission's fields as Judge0 validates them (its
messages, per field), /config_info, and the response fields with `?fields=`.

Unknown request fields are ignored, as Judge0 (Rails' permit) ignores them.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import shlex
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from viva.judge0.errors import BadRequest
from viva.judge0.languages import LANGUAGES, Language
from viva.settings import Judge0Settings

MAX_IO_BYTES = 2 * 1024 * 1024  # stdin, expected_output, each test's too
MAX_ARGUMENTS_CHARS = 512  # Judge0's limit on command_line_arguments
MAX_CALLBACK_URL_CHARS = 2048
MAX_ZIP_ENTRIES = 256
MAX_VIVA_TESTS = 20

# Judge0 CE 1.13's submission attributes, in its order; `fields=*` is all of them.
ALL_FIELDS = (
    "source_code",
    "language_id",
    "stdin",
    "expected_output",
    "stdout",
    "status_id",
    "created_at",
    "finished_at",
    "time",
    "memory",
    "stderr",
    "token",
    "number_of_runs",
    "cpu_time_limit",
    "cpu_extra_time",
    "wall_time_limit",
    "memory_limit",
    "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit",
    "max_file_size",
    "compile_output",
    "exit_code",
    "exit_signal",
    "message",
    "wall_time",
    "compiler_options",
    "command_line_arguments",
    "redirect_stderr_to_stdout",
    "callback_url",
    "additional_files",
    "enable_network",
    "status",
    "language",
)
# Viva's extensions, sent only when named in `fields` (`*` is Judge0's attributes only: the
# official SDK refuses an attribute it does not know).
EXTRA_FIELDS = ("viva_tests",)
DEFAULT_FIELDS = (
    "token",
    "time",
    "memory",
    "stdout",
    "stderr",
    "compile_output",
    "message",
    "status",
)
# Text fields sent and returned base64-encoded when base64_encoded=true (not `message`:
# the official SDK reads it as plain text).
ENCODED_OUT = ("source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output")


def requested_fields(value: str | None, *, default: tuple[str, ...] = DEFAULT_FIELDS) -> list[str]:
    """`?fields=`: a comma-separated list or `*`; Judge0's 400 names every unknown field."""
    if value is None or not value.strip():
        return list(default)
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in (*ALL_FIELDS, *EXTRA_FIELDS, "*")]
    if unknown:
        shown = ", ".join(n[:64] for n in unknown[:20])
        raise BadRequest(f"invalid fields: [{shown}]")
    if "*" in names:
        return list(ALL_FIELDS)
    return list(dict.fromkeys(names))


def flag(value: str | None) -> bool:
    """Judge0 reads a query flag as true only when it is exactly "true"."""
    return value == "true"


@dataclass
class SubmissionIn:
    """A submission that passed Judge0's validation, inputs decoded to bytes."""

    language: Language
    source_code: bytes
    stdin: bytes | None
    expected_output: bytes | None
    additional_files: bytes | None
    callback_url: str | None
    options: dict[str, Any]
    viva_tests: list[dict[str, bytes | None]] | None = None


class _Reader:
    """Reads one submission's fields, collecting Judge0-style messages per field."""

    def __init__(self, body: dict[str, Any], *, base64_encoded: bool) -> None:
        self.body = body
        self.base64_encoded = base64_encoded
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, limit: int, encoded: bool | None = None) -> bytes | None:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return None
        if encoded if encoded is not None else self.base64_encoded:
            try:
                data = base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
            except (binascii.Error, ValueError):
                self.fail(name, "is not valid base64")
                return None
        else:
            data = value.encode("utf-8", "surrogatepass")
        if len(data) > limit:
            self.fail(name, f"is too long (maximum is {limit} bytes)")
            return None
        return data

    def number(self, name: str, default: float, maximum: float, *, integer: bool) -> float:
        value = self.body.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                self.fail(name, "is not a number")
                return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(name, "is not a number")
            return default
        if not math.isfinite(value):
            self.fail(name, "is not a number")
            return default
        if integer and value != int(value):
            self.fail(name, "must be an integer")
            return default
        if value <= 0:
            self.fail(name, "must be greater than 0")
            return default
        if value > maximum:
            shown = int(maximum) if integer else float(maximum)
            self.fail(name, f"must be less than or equal to {shown}")
            return default
        return int(value) if integer else float(value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.body.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return bool(value)
        if value in ("true", "false"):
            return bool(value == "true")
        self.fail(name, "must be true or false")
        return default


def parse_submission(
    body: Any, *, base64_encoded: bool, config: Judge0Settings, max_source_bytes: int
) -> SubmissionIn | dict[str, list[str]]:
    """A valid submission, or Judge0's per-field errors (a 422 body)."""
    if not isinstance(body, dict):
        return {"submission": ["must be a JSON object"]}
    read = _Reader(body, base64_encoded=base64_encoded)
    source = read.text("source_code", limit=max_source_bytes)
    if not source and "source_code" not in read.errors:
        read.fail("source_code", "can't be blank")
    language = _language(read)
    stdin = read.text("stdin", limit=MAX_IO_BYTES)
    expected = read.text("expected_output", limit=MAX_IO_BYTES)
    options = _options(read, config)
    if read.body.get("compiler_options") not in (None, ""):
        read.fail("compiler_options", "setting compiler options is not allowed here")
    files = _additional_files(read, config)
    callback = _callback_url(read, config)
    tests = _viva_tests(read)
    if read.errors or language is None or source is None:
        return read.errors
    return SubmissionIn(
        language=language,
        source_code=source,
        stdin=stdin,
        expected_output=expected,
        additional_files=files,
        callback_url=callback,
        options=options,
        viva_tests=tests,
    )


def _language(read: _Reader) -> Language | None:
    value = read.body.get("language_id")
    if value is None or value == "":
        read.fail("language_id", "can't be blank")
        return None
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or (isinstance(value, float) and value != number):
        read.fail("language_id", "is not a number")
        return None
    language = LANGUAGES.get(number)
    if language is None:
        read.fail("language_id", f"language with id {number} doesn't exist")
    return language


def _options(read: _Reader, config: Judge0Settings) -> dict[str, Any]:
    c = config
    options: dict[str, Any] = {
        "cpu_time_limit": read.number(
            "cpu_time_limit", c.cpu_time_limit, c.max_cpu_time_limit, integer=False
        ),
        "cpu_extra_time": read.number(
            "cpu_extra_time", c.cpu_extra_time, c.max_cpu_extra_time, integer=False
        ),
        "wall_time_limit": read.number(
            "wall_time_limit", c.wall_time_limit, c.max_wall_time_limit, integer=False
        ),
        "memory_limit": read.number(
            "memory_limit", c.memory_limit, c.max_memory_limit, integer=True
        ),
        "stack_limit": read.number("stack_limit", c.stack_limit, c.max_stack_limit, integer=True),
        "max_processes_and_or_threads": read.number(
            "max_processes_and_or_threads",
            c.max_processes_and_or_threads,
            c.max_max_processes_and_or_threads,
            integer=True,
        ),
        "max_file_size": read.number(
            "max_file_size", c.max_file_size, c.max_max_file_size, integer=True
        ),
        "number_of_runs": read.number(
            "number_of_runs", c.number_of_runs, c.max_number_of_runs, integer=True
        ),
        "redirect_stderr_to_stdout": read.boolean("redirect_stderr_to_stdout", False),
        "enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "enable_network": False,
        "compiler_options": None,
        "command_line_arguments": None,
    }
    for name in (
        "enable_per_process_and_thread_time_limit",
        "enable_per_process_and_thread_memory_limit",
    ):
        if read.boolean(name, False):
            read.fail(name, "this option cannot be enabled")
    if read.boolean("enable_network", False):
        read.fail("enable_network", "enabling network is not allowed")
    arguments = read.body.get("command_line_arguments")
    if arguments is not None:
        if not isinstance(arguments, str):
            read.fail("command_line_arguments", "must be a string")
        elif len(arguments) > MAX_ARGUMENTS_CHARS:
            read.fail(
                "command_line_arguments",
                f"is too long (maximum is {MAX_ARGUMENTS_CHARS} characters)",
            )
        else:
            try:
                shlex.split(arguments)
                options["command_line_arguments"] = arguments
            except ValueError:
                read.fail("command_line_arguments", "cannot be split into arguments")
    return options


def _additional_files(read: _Reader, config: Judge0Settings) -> bytes | None:
    """A base64 zip (always base64, as in Judge0), checked before it is stored: its entries
    and their uncompressed size within max_extract_size."""
    archive = read.text("additional_files", limit=config.max_extract_size * 1024, encoded=True)
    if archive is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            entries = bundle.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                read.fail("additional_files", f"has more than {MAX_ZIP_ENTRIES} entries")
                return None
            if sum(e.file_size for e in entries) > config.max_extract_size * 1024:
                read.fail(
                    "additional_files",
                    f"extracts to more than max_extract_size ({config.max_extract_size} KB)",
                )
                return None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        read.fail("additional_files", "is not a zip archive")
        return None
    return archive


def _callback_url(read: _Reader, config: Judge0Settings) -> str | None:
    value = read.body.get("callback_url")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CALLBACK_URL_CHARS:
        read.fail("callback_url", "is not a valid URL")
        return None
    if not config.callback_hosts:
        read.fail("callback_url", "callbacks are not enabled on this server")
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        read.fail("callback_url", "is not a valid URL")
        return None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        read.fail("callback_url", "is not a valid URL")
        return None
    if host.lower() not in {h.lower() for h in config.callback_hosts}:
        read.fail("callback_url", f"host {host} is not allowed")
        return None
    return value


def _viva_tests(read: _Reader) -> list[dict[str, bytes | None]] | None:
    """Viva's extension: several (stdin, expected_output) pairs run in one submission."""
    value = read.body.get("viva_tests")
    if value is None:
        return None
    if not isinstance(value, list) or not value or len(value) > MAX_VIVA_TESTS:
        read.fail("viva_tests", f"must be a list of 1 to {MAX_VIVA_TESTS} test cases")
        return None
    tests: list[dict[str, bytes | None]] = []
    for index, case in enumerate(value):
        if not isinstance(case, dict):
            read.fail("viva_tests", f"test case {index} must be an object")
            return None
        inner = _Reader(case, base64_encoded=read.base64_encoded)
        stdin = inner.text("stdin", limit=MAX_IO_BYTES)
        expected = inner.text("expected_output", limit=MAX_IO_BYTES)
        for name, messages in inner.errors.items():
            for message in messages:
                read.fail("viva_tests", f"test case {index}: {name} {message}")
        tests.append({"stdin": stdin, "expected_output": expected})
    return tests
