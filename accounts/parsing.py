"""Reading numbers and moments typed into addresses and query strings, where bad input must become a clear
400 or 404 rather than a 500."""

import datetime

from django.utils.dateparse import parse_datetime


def whole_number(text: str) -> int | None:
    """`text` as a whole number written in ASCII digits, else None (str.isdigit also says yes to "²")."""
    return int(text) if text.isascii() and text.isdecimal() else None


def aware_instant(text: str) -> datetime.datetime | None:
    """`text` as a moment with its UTC offset, in UTC; None when it is not one (no offset, a day that is
    not in the calendar, a year out of range). In UTC because PostgreSQL refuses offsets beyond ±15:59
    that Python accepts."""
    try:
        moment = parse_datetime(text)
        return moment.astimezone(datetime.UTC) if moment and moment.tzinfo else None
    except (ValueError, OverflowError):
        return None
