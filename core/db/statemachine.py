"""One state-machine mechanism for every model with a workflow position.

A model keeps its position in a `status` column typed with a StrEnum (`status_column`), whose CHECK
constraint is generated from the enum (`status_check`), and a `Transitions` table: (from, to) -> who may make
the move, or a guard. Services change the status only through `move_to`, which raises InvalidTransition on
anything else, so the table is the single statement of which moves are legal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

from core.errors import InvalidTransition


class _Anyone:
    """Who may make a move when the table does not restrict it (the service's permission check decides)."""

    def __contains__(self, _actor: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ANYONE"


ANYONE = _Anyone()

# Who may make one move: a set of actors, ANYONE, or a guard called with (obj, actor).
Who = frozenset[Any] | _Anyone | Callable[[Any, Any], bool]


def label_of(status: StrEnum) -> str:
    """How a status reads in a sentence: the enum's own label if it has one, else its words."""
    label = getattr(status, "label", None)
    return (label if isinstance(label, str) else status.value.replace("_", " ")).lower()


S = TypeVar("S", bound=StrEnum)


class Transitions(Generic[S]):
    """The legal moves of one workflow: (from, to) -> who may make the move, or a guard."""

    def __init__(
        self,
        enum: type[S],
        moves: Mapping[tuple[S, S], Who],
        *,
        noun: str = "This record",
        message: str = "{noun} is {src}; it cannot be moved to {dst}.",
    ):
        for src, dst in moves:
            enum(src), enum(dst)  # a typo in the table fails at import, not at the first move
        self.enum = enum
        self.moves = dict(moves)
        # The subject of the error sentence: "This decision is released; it cannot be moved to ...".
        self.noun = noun
        self.message = message

    @classmethod
    def graph(cls, enum: type[S], moves: Mapping[S, Iterable[S]], **words: str) -> Transitions[S]:
        """A workflow whose services decide who moves (their permission checks): each status -> the
        statuses it may become. `words` are the noun and message of __init__."""
        return cls(enum, {(src, dst): ANYONE for src, targets in moves.items() for dst in targets}, **words)

    @classmethod
    def back_and_forth(cls, enum: type[S], one: S, other: S, *, noun: str) -> Transitions[S]:
        """A two-status workflow whose services decide who moves: either status may become the other."""
        return cls.graph(enum, {one: (other,), other: (one,)}, noun=noun)

    def allows(self, src: S | str, dst: S | str, actor: Any = None, obj: Any = None) -> bool:
        """Whether the table lets this actor move obj from src to dst."""
        who = self.moves.get((self.enum(src), self.enum(dst)))
        if who is None:
            return False
        if callable(who):
            return bool(who(obj, actor))
        return actor in who

    def targets(self, src: S | str, actor: Any = None, obj: Any = None) -> list[S]:
        """The statuses this actor may move obj to from src, in the enum's order."""
        return [dst for dst in self.enum if self.allows(src, dst, actor, obj)]

    def sources(self, dst: S | str) -> frozenset[S]:
        """Every status from which some move leads to dst."""
        return frozenset(src for src, to in self.moves if to == self.enum(dst))

    def check(self, src: S | str, dst: S | str, actor: Any = None, obj: Any = None) -> None:
        """Raise InvalidTransition unless the move is legal."""
        if not self.allows(src, dst, actor, obj):
            words = {"noun": self.noun, "src": label_of(self.enum(src)), "dst": label_of(self.enum(dst))}
            raise InvalidTransition(self.message.format(**words))


class HasStatus:
    """Mixin for a model with a `status` column and a class-level `TRANSITIONS` table."""

    TRANSITIONS: ClassVar[Transitions[Any]]

    def move_to(self, dst: StrEnum | str, actor: Any = None) -> StrEnum:
        """Apply one move of the table, or raise InvalidTransition; returns the status moved from."""
        table = type(self).TRANSITIONS
        src = table.enum(self.status)
        table.check(src, dst, actor, self)
        self.status = table.enum(dst)
        return src

    def may_move_to(self, dst: StrEnum | str, actor: Any = None) -> bool:
        """Whether move_to(dst, actor) would succeed now."""
        return type(self).TRANSITIONS.allows(self.status, dst, actor, self)


class StrEnumType(TypeDecorator[StrEnum]):
    """A VARCHAR that reads back as the column's StrEnum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        # Unknown strings go through unchanged: the CHECK constraint is the one that refuses them.
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def status_column(enum: type[StrEnum], length: int, **kwargs: Any) -> MappedColumn[Any]:
    """A column typed with its StrEnum (stored as VARCHAR(length)); pair it with status_check()."""
    longest = max(len(member.value) for member in enum)
    if longest > length:
        raise ValueError(f"{enum.__name__} has a value of {longest} characters; the column holds {length}.")
    return mapped_column(StrEnumType(enum, length), **kwargs)


def status_check(enum: type[StrEnum], column: str = "status", *, nullable: bool = False) -> CheckConstraint:
    """The CHECK constraint that keeps a column within its enum's values, named `<column>_known`.

    The metadata's naming convention turns the name into `ck_<table>_<column>_known`.
    """
    values = ", ".join(f"'{member.value}'" for member in enum)
    condition = f"{column} IN ({values})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=f"{column}_known")


def values_of(members: Iterable[StrEnum]) -> tuple[str, ...]:
    """Plain string values, for SQL IN lists and JSON."""
    return tuple(member.value for member in members)


def expose_statuses(bp: Any, *enums: type[StrEnum]) -> None:
    """Make status enums Jinja globals under their class names, so templates compare members, not strings."""
    for enum in enums:
        bp.add_app_template_global(enum, enum.__name__)
