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
        return list(Role).index(self) + 1

    def includes(self, needed: Role) -> bool:
        """An admin may do what an interviewer may, an interviewer what a candidate may."""
        return self.rank >= needed.rank


PUBLIC: Final = None  # the permission map's "no sign-in needed"
Access = Role | None
