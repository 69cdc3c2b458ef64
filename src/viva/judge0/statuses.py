"""Judge0's submission statuses (ids 1-14) and Viva's one extension, Memory Limit Exceeded."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    IN_QUEUE = 1
    PROCESSING = 2
    ACCEPTED = 3
    WRONG_ANSWER = 4
    TIME_LIMIT_EXCEEDED = 5
    COMPILATION_ERROR = 6
    SIGSEGV = 7
    SIGXFSZ = 8
    SIGFPE = 9
    SIGABRT = 10
    NZEC = 11
    OTHER = 12
    INTERNAL_ERROR = 13
    EXEC_FORMAT_ERROR = 14
    # Viva's extension, outside Judge0's range: only for clients that ask for it (header
    # X-Viva-Extensions: mle); others get 12 with the message "Memory limit exceeded",
    # because clients such as the official SDK refuse a status id they do not know.
    MEMORY_LIMIT_EXCEEDED = 15


DESCRIPTIONS = {
    Status.IN_QUEUE: "In Queue",
    Status.PROCESSING: "Processing",
    Status.ACCEPTED: "Accepted",
    Status.WRONG_ANSWER: "Wrong Answer",
    Status.TIME_LIMIT_EXCEEDED: "Time Limit Exceeded",
    Status.COMPILATION_ERROR: "Compilation Error",
    Status.SIGSEGV: "Runtime Error (SIGSEGV)",
    Status.SIGXFSZ: "Runtime Error (SIGXFSZ)",
    Status.SIGFPE: "Runtime Error (SIGFPE)",
    Status.SIGABRT: "Runtime Error (SIGABRT)",
    Status.NZEC: "Runtime Error (NZEC)",
    Status.OTHER: "Runtime Error (Other)",
    Status.INTERNAL_ERROR: "Internal Error",
    Status.EXEC_FORMAT_ERROR: "Exec Format Error",
    Status.MEMORY_LIMIT_EXCEEDED: "Memory Limit Exceeded",
}

# The runtime error a fatal signal maps to (Judge0's find_runtime_error_by_status_code).
BY_SIGNAL = {11: Status.SIGSEGV, 25: Status.SIGXFSZ, 8: Status.SIGFPE, 6: Status.SIGABRT}

FINISHED_FLOOR = Status.ACCEPTED  # ids from 3 up are final


def as_seen(status_id: int, *, extensions: bool) -> int:
    """The id a client sees: Memory Limit Exceeded only for clients that asked for it."""
    if status_id == Status.MEMORY_LIMIT_EXCEEDED and not extensions:
        return int(Status.OTHER)
    return status_id


def status_object(status_id: int, *, extensions: bool) -> dict[str, object]:
    seen = Status(as_seen(status_id, extensions=extensions))
    return {"id": int(seen), "description": DESCRIPTIONS[seen]}
