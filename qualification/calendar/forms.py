"""Forms of the calendar: adding (and repeating) a session, changing or cancelling one, the supply-cover
rate."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.db.timeutil import UK
from core.forms import VERSION_VALIDATORS
from qualification.calendar.rules import MAX_EVERY_WEEKS, MAX_REPEATS
from qualification.calendar.services import MAX_REASON
from qualification.cohorts.forms import SessionForm
from qualification.cohorts.models import SessionKind


def _one_to(most: int, label: str, message: str, description: str) -> IntegerField:
    """A whole number from 1 to `most`; 1 when left empty."""
    return IntegerField(
        label,
        default=1,
        validators=[Optional(), NumberRange(min=1, max=most, message=message)],
        description=description,
    )


class NewSessionForm(SessionForm):
    every_weeks = _one_to(
        MAX_EVERY_WEEKS,
        "Repeat every (weeks)",
        f"Repeat every 1 to {MAX_EVERY_WEEKS} weeks.",
        "1 for every week, 2 for every other week.",
    )
    count = _one_to(
        MAX_REPEATS,
        "Number of sessions",
        f"Add 1 to {MAX_REPEATS} sessions at a time.",
        "More than 1 repeats the session at the same time of day; you see every date first.",
    )
    # The dates the course leader was shown (rules.plan_signature): they confirm exactly those.
    planned = HiddenField()

    def repeats(self) -> dict:
        return {"every_weeks": self.every_weeks.data or 1, "count": self.count.data or 1}


class EditSessionForm(SessionForm):
    version = HiddenField(validators=VERSION_VALIDATORS)


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        "Why is it cancelled?",
        validators=[
            DataRequired("Say why the session is cancelled: those booked are told."),
            Length(max=MAX_REASON),
        ],
        description="Everyone booked or on the waiting list is sent this, for example: the speaker is ill.",
    )
    version = HiddenField(validators=VERSION_VALIDATORS)


SUPPLY_COST_RANGE = "Enter the cost of a day of supply cover, from £0 to £1,000."


class SupplyCostForm(FlaskForm):
    pounds = DecimalField(
        "Supply cover for one day (£)",
        places=2,
        validators=[
            InputRequired("Enter the cost of a day of supply cover in pounds, for example 180."),
            NumberRange(min=0, max=1000, message=SUPPLY_COST_RANGE),
        ],
        description="What a school pays for a day of cover. Release letters price the release days with it.",
        render_kw={"step": "0.01", "min": "0", "inputmode": "decimal"},
    )

    def pence(self) -> int | None:
        return None if self.pounds.data is None else round(self.pounds.data * Decimal(100))


def session_details(form: SessionForm) -> dict:
    """What the session form says, as the calendar services take it (times in UK time)."""
    return {
        "kind": SessionKind(form.kind.data),
        "title": form.title.data,
        "starts_at": form.starts_at.data.replace(tzinfo=UK),
        "ends_at": form.ends_at.data.replace(tzinfo=UK),
        "place": form.place.data,
        "link": form.link.data,
        "capacity": form.capacity.data,
        "module_codes": [c.strip().upper() for c in (form.module_codes.data or "").replace(",", " ").split()],
        "notes": form.notes.data,
    }
