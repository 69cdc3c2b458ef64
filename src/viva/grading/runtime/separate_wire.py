"""The wire between the harness and a solution's process for `process: separate` tests
(see separate.py): length-prefixed JSON messages, decoded by the C decoder into plain data,
and the packing of the values that cross it."""

from __future__ import annotations

import base64
import json
import socket
import struct
from collections.abc import Callable
from typing import Any

MAX_MESSAGE = 16 << 20  # bytes the solution's process may send in one message
HEADER = struct.Struct(">I")


class SolutionError(Exception):
    """The solution failed (or its process ended) while the test waited for it; `text` is
    what the report shows (the traceback of the solution's own frames)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def pack(value: Any) -> Any:
    """Values crossing the socket: JSON data, with bytes tagged and tuples as lists."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (list, tuple)):
        return [pack(v) for v in value]
    if isinstance(value, dict):
        return {str(k): pack(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} cannot cross to the other process")


def unpack(value: Any) -> Any:
    if type(value) is list:
        return [unpack(v) for v in value]
    if type(value) is dict:
        if len(value) == 1 and type(value.get("$bytes")) is str:
            return base64.b64decode(value["$bytes"])
        return {k: unpack(v) for k, v in value.items()}
    return value


class Wire:
    """Length-prefixed JSON messages on one end of the socket pair."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        # The mirrors of this end's current table (separate_values.Mirrors): what a message
        # carries of them is added when it is sent and applied when it is received.
        self.mirrors: Callable[[], Any] | None = None

    def send(self, message: dict[str, Any]) -> None:
        if self.mirrors is not None:
            self.mirrors().outgoing(message)
        data = json.dumps(message, separators=(",", ":")).encode()
        self.sock.sendall(HEADER.pack(len(data)) + data)

    def recv(self) -> dict[str, Any] | None:
        head = self._exactly(HEADER.size)
        if head is None:
            return None
        (size,) = HEADER.unpack(head)
        if size > MAX_MESSAGE:
            raise SolutionError(f"the solution's process sent {size} bytes in one message")
        data = self._exactly(size)
        if data is None:
            return None
        try:
            message = json.loads(data)
        except (ValueError, RecursionError):
            raise SolutionError("the solution's process sent a malformed message") from None
        if type(message) is not dict:
            raise SolutionError("the solution's process sent a malformed message")
        if self.mirrors is not None:
            try:
                self.mirrors().incoming(message)
            except (ValueError, TypeError, KeyError, IndexError, RecursionError):
                raise SolutionError("the solution's process sent malformed values") from None
        return message

    def _exactly(self, size: int) -> bytes | None:
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


# ---------------------------------------------------------------- the test's side
