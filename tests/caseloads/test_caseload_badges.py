"""A caseload row's badges and contact dates write themselves into a template as markup, escaped."""

import datetime
import zoneinfo

from django.template import Context, Template

from accounts.dates import days_ago_text
from caseloads.caseload_badges import Badge, Badges, ContactDates, contact_dates

TODAY = datetime.date(2026, 6, 12)


def rendered(value: object) -> str:
    return Template("{{ value }}").render(Context({"value": value}))


def test_badges_are_written_as_spans_with_their_text_escaped() -> None:
    badges = Badges([Badge("badge-active", "Active"), Badge("flag-crisis", "ED visit <b>& admission</b>")])

    assert rendered(badges) == (
        '<span class="badge badge-active">Active</span> '
        '<span class="badge flag-crisis">ED visit &lt;b&gt;&amp; admission&lt;/b&gt;</span> '
    )


def test_no_badges_write_nothing() -> None:
    assert rendered(Badges()) == ""


def test_the_contact_line_says_when_the_person_was_last_reached_and_when_contact_was_due() -> None:
    dates = ContactDates(
        last_text="5 Jun 2026",
        last_iso="2026-06-05T10:00:00-04:00",
        last_ago="7\xa0days ago",
        next_due_text="10 Jun",
        next_due_iso="2026-06-10",
        is_overdue=True,
    )

    assert rendered(dates) == (
        '<p class="row-context">Last contact: <time datetime="2026-06-05T10:00:00-04:00">5 Jun 2026</time>'
        ' (7\xa0days ago) · Was due <time datetime="2026-06-10">10 Jun</time></p>'
    )


def test_before_the_first_contact_the_line_says_none_yet_and_the_next_due_day() -> None:
    dates = ContactDates("", "", "", "15 Jun", "2026-06-15", is_overdue=False)

    assert rendered(dates) == (
        '<p class="row-context">Last contact: none yet'
        ' · Next due <time datetime="2026-06-15">15 Jun</time></p>'
    )


def test_the_last_contact_is_the_day_in_the_programs_time_zone() -> None:
    # 02:30 UTC on 6 Jun is still 5 Jun in New York.
    row = type(
        "Row",
        (),
        {
            "caseload_status": None,
            "last_reached_at": datetime.datetime(2026, 6, 6, 2, 30, tzinfo=datetime.UTC),
        },
    )

    dates = contact_dates(row, time_zone=zoneinfo.ZoneInfo("America/New_York"), today=TODAY)

    assert (dates.last_text, dates.last_ago, dates.next_due_text) == ("5 Jun 2026", "7\xa0days ago", "")


def test_days_ago_counts_calendar_days() -> None:
    assert [days_ago_text(TODAY - datetime.timedelta(days=days), TODAY) for days in (0, 1, 2, 30)] == [
        "today",
        "yesterday",
        "2\xa0days ago",
        "30\xa0days ago",
    ]
