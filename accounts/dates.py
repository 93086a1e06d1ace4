"""How Tandem writes a day in messages and reasons: "5 Jun 2026", the same everywhere."""

import datetime


def day_text(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def short_day_text(day: datetime.date) -> str:
    """ "5 Jun": a day in the next or last few weeks, where the year goes without saying."""
    return f"{day.day} {day:%b}"


def days_ago_text(day: datetime.date, today: datetime.date) -> str:
    """ "today", "yesterday", "12 days ago": how a care manager counts the days since a contact."""
    days = (today - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days}\N{NO-BREAK SPACE}days ago"
