"""The marking workflow as a table: every (from, to, actor) is either allowed by TRANSITIONS or refused."""

from __future__ import annotations

from itertools import product

import pytest

from assessors.marking.models import REOPENING, TRANSITIONS, Actor, Assessment, MarkingStatus, may_move
from core.errors import InvalidTransition

S, A = MarkingStatus, Actor
# The table as the issue states it, written out again so a change to TRANSITIONS must be made twice.
ALLOWED = {
    (S.NOT_STARTED, S.IN_MARKING, A.ASSESSOR),
    (S.IN_MARKING, S.MARKING_COMPLETE, A.ASSESSOR),
    (S.MARKING_COMPLETE, S.IN_IQA_REVIEW, A.SYSTEM),
    (S.MARKING_COMPLETE, S.IN_IQA_REVIEW, A.IQA),
    (S.MARKING_COMPLETE, S.READY_FOR_RELEASE, A.SYSTEM),
    (S.IN_IQA_REVIEW, S.READY_FOR_RELEASE, A.IQA),
    (S.IN_IQA_REVIEW, S.IN_MARKING, A.IQA),
    (S.READY_FOR_RELEASE, S.IN_IQA_REVIEW, A.IQA),
    (S.READY_FOR_RELEASE, S.RELEASED, A.ASSESSOR),
    (S.READY_FOR_RELEASE, S.RELEASED, A.IQA),
    (S.READY_FOR_RELEASE, S.RELEASED, A.LEADER),
    (S.MARKING_COMPLETE, S.IN_MARKING, A.IQA),
    (S.MARKING_COMPLETE, S.IN_MARKING, A.LEADER),
    (S.READY_FOR_RELEASE, S.IN_MARKING, A.IQA),
    (S.READY_FOR_RELEASE, S.IN_MARKING, A.LEADER),
    (S.RELEASED, S.IN_MARKING, A.IQA),
    (S.RELEASED, S.IN_MARKING, A.LEADER),
}
EVERY_MOVE = list(product(S, S, A))


def test_the_table_allows_exactly_the_moves_the_issue_describes():
    from_table = {(src, dst, actor) for (src, dst), actors in TRANSITIONS.moves.items() for actor in actors}
    assert from_table == ALLOWED


@pytest.mark.parametrize(("src", "dst", "actor"), EVERY_MOVE, ids=lambda v: str(v))
def test_each_move_is_allowed_or_refused_as_the_table_says(src, dst, actor):
    assessment = Assessment(status=src.value)
    if (src, dst, actor) in ALLOWED:
        assert may_move(src, dst, actor)
        assert assessment.move_to(dst, actor) == src
        assert assessment.status == dst
    else:
        assert not may_move(src, dst, actor)
        with pytest.raises(InvalidTransition):
            assessment.move_to(dst, actor)
        assert assessment.status == src  # a refused move changes nothing


def test_only_the_released_state_is_reached_by_release_and_nothing_leaves_it_but_a_reopening():
    into_released = {(src, actor) for src, dst, actor in ALLOWED if dst == S.RELEASED}
    assert into_released == {(S.READY_FOR_RELEASE, a) for a in (A.ASSESSOR, A.IQA, A.LEADER)}
    out_of_released = {(dst, actor) for src, dst, actor in ALLOWED if src == S.RELEASED}
    assert out_of_released == {(S.IN_MARKING, A.IQA), (S.IN_MARKING, A.LEADER)}


def test_reopening_is_never_the_assessors_move():
    for src, dst in REOPENING:
        assert not may_move(src, dst, A.ASSESSOR)
        assert may_move(src, dst, A.IQA)
        assert may_move(src, dst, A.LEADER)


def test_nothing_skips_marking_and_no_state_moves_to_itself():
    assert not any(src == dst for src, dst, _ in ALLOWED)
    assert not any(dst == S.NOT_STARTED for _, dst, _ in ALLOWED)
    assert not may_move(S.NOT_STARTED, S.RELEASED, A.LEADER)
    assert not may_move(S.IN_MARKING, S.RELEASED, A.ASSESSOR)
    assert not may_move(S.IN_IQA_REVIEW, S.RELEASED, A.IQA)
