"""How a Judge0 submission looks with `?fields=` and `?base64_encoded=`, as Judge0 serializes it."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from viva.grading.models import SubmissionStatus
from viva.judge0.errors import BadRequest
from viva.judge0.languages import LANGUAGES
from viva.judge0.models import Judge0Submission
from viva.judge0.schemas import ENCODED_OUT
from viva.judge0.statuses import FINISHED_FLOOR, Status, as_seen, status_object

if TYPE_CHECKING:
    from viva.judge0.service import Caller

CONVERSION_ERROR = (
    "some attributes for this submission cannot be converted to UTF-8, "
    "use base64_encoded=true query parameter"
)
# Shown as stored (the rest of a submission's fields come from its options).
ATTRIBUTES = ("token", "language_id", "memory", "exit_code", "exit_signal", "callback_url")


def status_of(submission: Judge0Submission) -> Status:
    """In Queue or Processing as its grading row says; then the stored result, or Internal
    Error when the grading queue gave up on it (interrupted too often) before one was."""
    job = submission.job
    if job.status == SubmissionStatus.QUEUED:
        return Status.IN_QUEUE
    if job.status == SubmissionStatus.RUNNING:
        return Status.PROCESSING
    if submission.status_id >= FINISHED_FLOOR:
        return Status(submission.status_id)
    return Status.INTERNAL_ERROR


def message_of(submission: Judge0Submission) -> str | None:
    if submission.job.status == SubmissionStatus.DONE and submission.status_id < FINISHED_FLOOR:
        return submission.job.message or None  # why the grading queue gave up
    return submission.message


# Rendering ----------------------------------------------------------------------------------


def _timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _decimal(value: float | None) -> str | None:
    """Judge0 (Rails decimals) sends times as strings."""
    return None if value is None else str(round(float(value), 3))


def _text(value: bytes | str | None, *, encoded: bool) -> str | None:
    if value is None:
        return None
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    if encoded:
        return base64.b64encode(raw).decode()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(CONVERSION_ERROR) from None


def render(
    submission: Judge0Submission, fields: Sequence[str], *, encoded: bool, caller: Caller
) -> dict[str, Any]:
    """The submission with the requested fields, as Judge0 serializes them."""
    extensions = "mle" in caller.extensions
    options = submission.options or {}
    language = LANGUAGES.get(submission.language_id)
    values: dict[str, Any] = {}
    for name in fields:
        if name in ENCODED_OUT:
            values[name] = _text(getattr(submission, name), encoded=encoded)
        elif name == "status_id":
            values[name] = as_seen(status_of(submission), extensions=extensions)
        elif name == "status":
            values[name] = status_object(status_of(submission), extensions=extensions)
        elif name == "message":
            values[name] = message_of(submission)
        elif name == "language":
            values[name] = language.summary() if language else None
        elif name == "created_at":
            values[name] = _timestamp(submission.created_at)
        elif name == "finished_at":
            values[name] = _timestamp(submission.job.finished_at)
        elif name in ("time", "wall_time"):
            values[name] = _decimal(getattr(submission, name))
        elif name in ("cpu_time_limit", "cpu_extra_time", "wall_time_limit"):
            values[name] = _decimal(options.get(name))
        elif name == "additional_files":
            files = submission.additional_files
            values[name] = base64.b64encode(files).decode() if files else None
        elif name == "viva_tests":
            values[name] = _render_tests(submission, encoded=encoded, extensions=extensions)
        elif name in ATTRIBUTES:
            values[name] = getattr(submission, name)
        else:
            values[name] = options.get(name)
    return values


def _render_tests(
    submission: Judge0Submission, *, encoded: bool, extensions: bool
) -> list[dict[str, Any]] | None:
    tests = submission.viva_tests
    if not tests or "status_id" not in tests[0]:
        return None
    shown = []
    for test in tests:
        shown.append(
            {
                "status": status_object(int(test["status_id"]), extensions=extensions),
                "stdout": _text(test.get("stdout"), encoded=encoded),
                "stderr": _text(test.get("stderr"), encoded=encoded),
                "message": test.get("message"),
                "exit_code": test.get("exit_code"),
                "exit_signal": test.get("exit_signal"),
                "time": _decimal(test.get("time")),
                "wall_time": _decimal(test.get("wall_time")),
                "memory": test.get("memory"),
            }
        )
    return shown
