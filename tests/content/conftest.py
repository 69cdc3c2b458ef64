"""Reports how many code blocks of each kind the model-answer tests ran or checked."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.content import blocks
from viva.bank.answers import load_answers


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = Counter(
        blocks.classify(block) for answer in load_answers().values() for block in answer.code_blocks
    )
    if counts:
        line = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()))
        terminalreporter.write_sep("-", f"model-answer code blocks by check: {line}")
