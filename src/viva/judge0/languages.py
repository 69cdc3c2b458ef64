"""The languages Viva runs behind the Judge0 API, under Judge0 CE's ids and Viva's own.

Python 3 is Viva's interpreter: under 71 (Judge0 CE 1.13.1's Python 3, the id clients send),
under the Judge0 CE id of the same minor version where one exists, and under Viva's own id
1000 + 100 * major + minor (1311 for 3.11). SQLite is 82, as in Judge0 CE.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    id: int
    name: str
    kind: str  # what runs it: "python" or "sqlite"
    source_file: str
    run_cmd: str
    compile_cmd: str | None = None
    is_archived: bool = False

    def summary(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}

    def detail(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "is_archived": self.is_archived,
            "source_file": self.source_file,
            "compile_cmd": self.compile_cmd,
            "run_cmd": self.run_cmd,
        }


# Judge0 CE 1.14's ids of Python 3 minor versions.
CE_PYTHON_IDS = {11: 92, 12: 100}
PYTHON_VERSION = ".".join(str(n) for n in sys.version_info[:3])


def _python(language_id: int) -> Language:
    return Language(
        id=language_id,
        name=f"Python ({PYTHON_VERSION})",
        kind="python",
        source_file="script.py",
        run_cmd="python3 script.py",
    )


def catalogue() -> dict[int, Language]:
    major, minor = sys.version_info[:2]
    ids = [71, CE_PYTHON_IDS.get(minor), 1000 + 100 * major + minor]
    languages = {i: _python(i) for i in ids if i is not None}
    languages[82] = Language(
        id=82,
        name=f"SQL (SQLite {sqlite3.sqlite_version})",
        kind="sqlite",
        source_file="script.sql",
        run_cmd="sqlite3 db.sqlite < script.sql (an empty in-memory database)",
    )
    return dict(sorted(languages.items()))


LANGUAGES = catalogue()
