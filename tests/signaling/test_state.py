"""The call state machine as a table: every (state, event) pair, legal or not. Pure: no database."""

from __future__ import annotations

import itertools

import pytest

from signaling.state import (
    TRANSITIONS,
    CallState,
    Event,
    IllegalTransition,
    Outcome,
    Step,
    is_live,
    transition,
)

R, A, E = CallState.RINGING, CallState.ACTIVE, CallState.ENDED

LEGAL = {
    (R, Event.ANSWER): Step(A, None),
    (R, Event.TIMEOUT): Step(E, Outcome.MISSED),
    (R, Event.DECLINE): Step(E, Outcome.DECLINED),
    (R, Event.CANCEL): Step(E, Outcome.CANCELLED),
    (R, Event.FAIL): Step(E, Outcome.FAILED),
    (A, Event.HANG_UP): Step(E, Outcome.COMPLETED),
}
ALL_PAIRS = list(itertools.product(CallState, Event))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def test_the_table_is_exactly_the_legal_moves():
    assert TRANSITIONS == LEGAL
    assert len(LEGAL) + len(ILLEGAL) == len(CallState) * len(Event) == 18


@pytest.mark.parametrize(("state", "event"), list(LEGAL), ids=[f"{s}-{e}" for s, e in LEGAL])
def test_legal(state, event):
    assert transition(state, event) == LEGAL[(state, event)]
    assert transition(state.value, event.value) == LEGAL[(state, event)]  # plain strings from the database


@pytest.mark.parametrize(("state", "event"), ILLEGAL, ids=[f"{s}-{e}" for s, e in ILLEGAL])
def test_illegal(state, event):
    with pytest.raises(IllegalTransition) as info:
        transition(state, event)
    assert info.value.state == state and info.value.event == event


def test_ended_is_final_and_every_outcome_is_reachable():
    assert all(transition_from != E for transition_from, _ in LEGAL)
    assert {step.outcome for step in LEGAL.values()} - {None} == set(Outcome)
    assert all(step.outcome is not None for step in LEGAL.values() if step.state == E)


def test_live_states():
    assert is_live(R) and is_live("active") and not is_live(E)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError):
        transition("paused", "answer")
    with pytest.raises(ValueError):
        transition("ringing", "explode")
