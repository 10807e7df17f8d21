"""The one state-machine mechanism: transition tables, move_to, status columns and their CHECK constraints."""

from __future__ import annotations

from enum import StrEnum
from itertools import product

import pytest
from sqlalchemy import CheckConstraint

from assessors.marking.models import Assessment
from assessors.witness.models import WitnessRequest
from assessors.workplace.models import Observation
from core.db.statemachine import (
    ANYONE,
    HasStatus,
    StrEnumType,
    Transitions,
    label_of,
    status_check,
    status_column,
)
from core.errors import InvalidTransition
from core.extensions import db
from core.mail.models import OutboxMessage
from modules.study.models import ModuleEnrolment
from portfolio.apl.models import AplClaim
from portfolio.submissions.models import Submission
from qualification.booking.models import SessionBooking
from qualification.versions.models import QualificationVersion


class Door(StrEnum):
    OPEN = "open"
    SHUT = "shut"
    LOCKED = "locked"

    @property
    def label(self) -> str:
        return {"open": "Wide open", "shut": "Shut", "locked": "Locked"}[self.value]


class Light(StrEnum):
    ON = "on"
    OFF = "off"
    BROKEN_BULB = "broken_bulb"


def _only_keyholders(obj, actor) -> bool:
    return actor == "keyholder" and not obj.jammed


DOOR = Transitions(
    Door,
    {
        (Door.OPEN, Door.SHUT): ANYONE,
        (Door.SHUT, Door.OPEN): frozenset({"tenant", "keyholder"}),
        (Door.SHUT, Door.LOCKED): _only_keyholders,
        (Door.LOCKED, Door.SHUT): _only_keyholders,
    },
    noun="The door",
)


class FakeDoor(HasStatus):
    TRANSITIONS = DOOR

    def __init__(self, status: Door, *, jammed: bool = False):
        self.status = status
        self.jammed = jammed


# (from, to, actor, jammed) -> allowed, for every combination the table should decide.
ACTORS = ("tenant", "keyholder", "visitor")
EXPECTED = {(Door.OPEN, Door.SHUT, actor, jammed): True for actor in ACTORS for jammed in (False, True)} | {
    (Door.SHUT, Door.OPEN, "tenant", False): True,
    (Door.SHUT, Door.OPEN, "tenant", True): True,
    (Door.SHUT, Door.OPEN, "keyholder", False): True,
    (Door.SHUT, Door.OPEN, "keyholder", True): True,
    (Door.SHUT, Door.LOCKED, "keyholder", False): True,
    (Door.LOCKED, Door.SHUT, "keyholder", False): True,
}
CASES = list(product(Door, Door, ACTORS, (False, True)))


@pytest.mark.parametrize(("src", "dst", "actor", "jammed"), CASES, ids=str)
def test_move_to_does_exactly_what_the_table_allows(src, dst, actor, jammed):
    door = FakeDoor(src, jammed=jammed)
    allowed = EXPECTED.get((src, dst, actor, jammed), False)
    assert door.may_move_to(dst, actor) is allowed
    if allowed:
        assert door.move_to(dst, actor) == src
        assert door.status is dst
    else:
        with pytest.raises(InvalidTransition):
            door.move_to(dst, actor)
        assert door.status is src  # a refused move changes nothing


@pytest.mark.parametrize(
    ("src", "dst", "message"),
    [
        (Door.OPEN, Door.LOCKED, "The door is wide open; it cannot be moved to locked."),
        (Door.LOCKED, Door.OPEN, "The door is locked; it cannot be moved to wide open."),
    ],
)
def test_a_refused_move_says_where_it_is_and_where_it_cannot_go(src, dst, message):
    with pytest.raises(InvalidTransition, match=message):
        FakeDoor(src).move_to(dst, "keyholder")


def test_a_table_may_word_its_own_refusal():
    table = Transitions(
        Light, {(Light.OFF, Light.ON): ANYONE}, noun="The lamp", message="{noun} is {src}, not {dst}"
    )
    with pytest.raises(InvalidTransition, match=r"^The lamp is broken bulb, not on$"):
        table.check(Light.BROKEN_BULB, Light.ON)


def test_strings_are_read_as_members_of_the_tables_enum():
    door = FakeDoor("shut")  # as a row read by raw SQL would hold it
    assert door.move_to("open", "tenant") == Door.SHUT
    assert door.status is Door.OPEN


def test_a_value_outside_the_enum_is_refused_when_the_table_is_built():
    with pytest.raises(ValueError, match="ajar"):
        Transitions(Door, {(Door.OPEN, "ajar"): ANYONE})


def test_targets_and_sources_read_the_table():
    assert DOOR.targets(Door.SHUT, "keyholder", FakeDoor(Door.SHUT)) == [Door.OPEN, Door.LOCKED]
    assert DOOR.targets(Door.SHUT, "keyholder", FakeDoor(Door.SHUT, jammed=True)) == [Door.OPEN]
    assert DOOR.targets(Door.SHUT, "visitor") == []
    assert DOOR.sources(Door.SHUT) == {Door.OPEN, Door.LOCKED}


@pytest.mark.parametrize(
    ("status", "label"), [(Door.OPEN, "wide open"), (Light.BROKEN_BULB, "broken bulb"), (Light.ON, "on")]
)
def test_label_of_prefers_the_enums_label(status, label):
    assert label_of(status) == label


@pytest.mark.parametrize(
    ("column", "nullable", "sql"),
    [
        ("status", False, "status IN ('on', 'off', 'broken_bulb')"),
        ("lamp", True, "lamp IS NULL OR lamp IN ('on', 'off', 'broken_bulb')"),
    ],
)
def test_status_check_is_generated_from_the_enum(column, nullable, sql):
    check = status_check(Light, column, nullable=nullable)
    assert (str(check.sqltext), check.name) == (sql, f"{column}_known")


def test_status_column_refuses_a_length_too_short_for_the_enum():
    with pytest.raises(ValueError, match="11 characters"):
        status_column(Light, 10)


def test_the_column_type_reads_back_enum_members_and_stores_plain_strings():
    kind = StrEnumType(Light, 11)
    assert kind.process_result_value("broken_bulb", None) is Light.BROKEN_BULB
    assert kind.process_bind_param(Light.ON, None) == "on"
    assert type(kind.process_bind_param(Light.ON, None)) is str
    assert kind.process_result_value(None, None) is None


WORKFLOWS = [
    Assessment,
    Observation,
    WitnessRequest,
    Submission,
    AplClaim,
    SessionBooking,
    ModuleEnrolment,
    QualificationVersion,
    OutboxMessage,
]


@pytest.mark.parametrize("model", WORKFLOWS, ids=lambda m: m.__name__)
def test_every_workflow_model_has_a_typed_status_checked_against_its_enum(model):
    table = model.__table__
    enum = model.TRANSITIONS.enum
    column = table.c.status
    assert isinstance(column.type, StrEnumType)
    assert column.type.enum is enum
    checks = {c.name: str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint)}
    values = ", ".join(f"'{member.value}'" for member in enum)
    assert checks[f"ck_{table.name}_status_known"] == f"status IN ({values})"
    assert "state" not in table.c


def test_a_status_read_from_the_database_is_an_enum_member(app):
    from sqlalchemy import select

    with app.app_context():
        db.session.add(OutboxMessage(to_address="a@example.org", subject="s", body_text="b"))
        db.session.flush()
        db.session.expire_all()
        message = db.session.scalars(select(OutboxMessage)).first()
        assert message.status is OutboxMessage.TRANSITIONS.enum.QUEUED
        db.session.rollback()
