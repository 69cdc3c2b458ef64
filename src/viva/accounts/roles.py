"""The one encoding of roles: an ordered `Role` (each includes the ones below it).

Stored as its value in `users.role`, carried in tokens, accepted by the API and the CLI; the
permission map asks for a minimum `Role`, or `PUBLIC` for anyone.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    CANDIDATE = "candidate"
    INTERVIEWER = "interviewer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]  # was list(Role).index(self): an enum walk on every request

    def includes(self, needed: Role) -> bool:
        """An admin may do what an interviewer may, an interviewer what a candidate may."""
        return self.rank >= needed.rank


_RANKS: Final = {role: n for n, role in enumerate(Role, start=1)}
PUBLIC: Final = None  # the permission map's "no sign-in needed"
Access = Role | None
