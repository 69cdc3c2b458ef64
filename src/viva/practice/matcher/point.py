"""What the checker says of one key point: covered or not, and why."""

from __future__ import annotations

from dataclasses import dataclass

FEEDBACK_TERMS = 4  # missing terms named in the feedback on a point not credited
DENIAL_REASON = "does not say what the point denies: "
STRICT_REASON = "read strictly: the answer contradicts the model answer elsewhere"
MENTION_REASON = "mentioned, not stated: one term of a point that names several"


@dataclass(frozen=True, slots=True)
class PointMatch:
    """How well a typed answer covers one key point, and why.

    ``matched`` and ``missing`` are the point's terms; ``evidence`` the answer's words that
    matched them. ``contradicted`` are terms the answer states the other way round ("never
    need locks" against "still use locks"), with the answer's words in ``against``: one such
    term leaves the point not covered. ``reason`` says why else a point that scored enough is
    not covered.
    """

    point: str
    covered: bool
    score: float
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()
    against: tuple[str, ...] = ()
    # Why a point scored at the threshold or above is still not covered, when it is not a
    # contradiction: the denial it is about is missing, or the answer is read strictly.
    reason: str = ""

    @property
    def feedback(self) -> str:
        """Why the point is not credited, in the candidate's terms; empty when it is."""
        if self.covered:
            return ""
        if self.contradicted:
            return "you said the opposite: “" + "”, “".join(self.against) + "”"
        if self.reason.startswith(DENIAL_REASON):
            return "you did not say what it rules out: " + self.reason[len(DENIAL_REASON) :]
        if self.reason and self.reason != MENTION_REASON:
            return self.reason
        if not self.matched:
            return "not mentioned"
        missing = ", ".join(self.missing[:FEEDBACK_TERMS])
        more = "…" if len(self.missing) > FEEDBACK_TERMS else ""
        return f"mentioned {', '.join(self.matched)} but not {missing}{more}"
