"""Today as the fixture programs count days.

Every program the tests make works in New York (Program's default time zone), and the services date
things in the program's calendar. Between midnight UTC and midnight in New York the machine's (UTC)
date is already tomorrow there, so a test that means "today" uses this, not timezone.localdate().
"""

import datetime
import zoneinfo

from django.utils import timezone

from accounts.models import Program


def program_today() -> datetime.date:
    return program_date(timezone.now())


def program_date(moment: datetime.datetime) -> datetime.date:
    """The day `moment` falls on in the fixture programs' calendar."""
    return timezone.localdate(
        moment, timezone=zoneinfo.ZoneInfo(Program._meta.get_field("time_zone").default)
    )
