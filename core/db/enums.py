"""Enums whose members carry the words people read as well as the value that is stored."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum written `NAME = "stored_value", "How it reads"`: the value is stored, the label shown."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
