"""The life of a flag: which staff actions are allowed in which status. Pure: no Django import.

    open ──acknowledge──▶ acknowledged ──resolve──▶ resolved
      │                        └──────dismiss──▶ dismissed
      └──resolve / dismiss (acknowledges on the way)

``assign`` and ``note`` are allowed on any flag that is not closed. A dismissal needs a note (why
it was not a concern); every other action takes one optionally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Status = Literal["open", "acknowledged", "resolved", "dismissed"]
Action = Literal["acknowledge", "assign", "resolve", "dismiss", "note"]
ACTIONS: Final[tuple[str, ...]] = ("acknowledge", "assign", "resolve", "dismiss", "note")
CLOSED: Final = frozenset({"resolved", "dismissed"})
SEVERITY_RANK: Final = {"high": 0, "medium": 1, "low": 2}


class IllegalAction(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Transition:
    status: Status
    acknowledges: bool  # sets acknowledged_at if not yet set
    closes: bool


def transition(status: Status, action: str, note: str) -> Transition:
    if action not in ACTIONS:
        raise IllegalAction(
            "bad_action", f"unknown action {action[:40]!r}; expected one of {', '.join(ACTIONS)}"
        )
    if status in CLOSED:
        raise IllegalAction("conflict", f"the flag is already {status}")
    if action == "acknowledge":
        if status != "open":
            raise IllegalAction("conflict", f"the flag is already {status}")
        return Transition("acknowledged", acknowledges=True, closes=False)
    if action == "resolve":
        return Transition("resolved", acknowledges=True, closes=True)
    if action == "dismiss":
        if not note.strip():
            raise IllegalAction("note_required", "say why the flag is dismissed (a note is required)")
        return Transition("dismissed", acknowledges=True, closes=True)
    if action == "note" and not note.strip():
        raise IllegalAction("note_required", "the note is empty")
    return Transition(status, acknowledges=False, closes=False)


def queue_key(severity: str, created_ts: float) -> tuple[int, float]:
    """Sort key for the staff queue: by severity (high first), then age (oldest first)."""
    return (SEVERITY_RANK.get(severity, 9), created_ts)
