"""Time helpers: every stored time is UTC and timezone-aware."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.types import DateTime, TypeDecorator

# Candidates, schools and sessions all keep UK clock time; stored times are UTC.
UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def uk_today(now: datetime | None = None) -> date:
    """Today's date in the UK (or the UK date at `now`): deadlines, access end dates and breaks are written in
    UK dates."""
    return (now or utcnow()).astimezone(UK).date()


def long_date(day: date, *, weekday: bool = False) -> str:
    """A date as people write it: '12 March 2027', or 'Friday 12 March 2027' with the weekday."""
    return day.strftime("%A %-d %B %Y" if weekday else "%-d %B %Y")


class UTCDateTime(TypeDecorator):
    """A DateTime stored as UTC that always comes back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
