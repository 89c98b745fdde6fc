"""The call lifecycle: an explicit state machine (pure; no Django, no I/O).

    ringing ──answer──▶ active ──hang_up──▶ ended (completed)
       │
       ├──timeout──▶ ended (missed)      nobody answered within the ring timeout
       ├──decline──▶ ended (declined)    every other member of the room declined
       ├──cancel───▶ ended (cancelled)   the caller left before anyone answered
       └──fail─────▶ ended (failed)      the caller's connection was lost and did not come back

``transition(state, event)`` returns the next state and, for a move into ``ended``, the outcome; any
other move raises ``IllegalTransition``. ``ended`` is final. The services apply it inside the
transaction that holds the call's row, so two processes can never move one call twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, NamedTuple


class CallState(StrEnum):
    RINGING = "ringing"
    ACTIVE = "active"
    ENDED = "ended"


class Outcome(StrEnum):
    COMPLETED = "completed"
    MISSED = "missed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Event(StrEnum):
    ANSWER = "answer"  # a second person joined the ringing call
    TIMEOUT = "timeout"  # the ring timeout passed with nobody answering
    DECLINE = "decline"  # the last member who could answer declined
    CANCEL = "cancel"  # the caller left while it was still ringing
    FAIL = "fail"  # the caller's connection dropped and the resume window passed
    HANG_UP = "hang_up"  # the last person in an active call left (or dropped for good)


class Step(NamedTuple):
    state: CallState
    outcome: Outcome | None


class IllegalTransition(Exception):
    def __init__(self, state: CallState, event: Event) -> None:
        super().__init__(f"a call that is {state.value} cannot take the event {event.value!r}")
        self.state = state
        self.event = event


LIVE_STATES: Final = frozenset({CallState.RINGING, CallState.ACTIVE})

TRANSITIONS: Final[dict[tuple[CallState, Event], Step]] = {
    (CallState.RINGING, Event.ANSWER): Step(CallState.ACTIVE, None),
    (CallState.RINGING, Event.TIMEOUT): Step(CallState.ENDED, Outcome.MISSED),
    (CallState.RINGING, Event.DECLINE): Step(CallState.ENDED, Outcome.DECLINED),
    (CallState.RINGING, Event.CANCEL): Step(CallState.ENDED, Outcome.CANCELLED),
    (CallState.RINGING, Event.FAIL): Step(CallState.ENDED, Outcome.FAILED),
    (CallState.ACTIVE, Event.HANG_UP): Step(CallState.ENDED, Outcome.COMPLETED),
}


def transition(state: CallState | str, event: Event | str) -> Step:
    """The step that ``event`` makes from ``state``; ``IllegalTransition`` if it may not happen."""
    state, event = CallState(state), Event(event)
    step = TRANSITIONS.get((state, event))
    if step is None:
        raise IllegalTransition(state, event)
    return step


def is_live(state: CallState | str) -> bool:
    return CallState(state) in LIVE_STATES
