"""What a caseload row says about a person at a glance: one list of badges for My caseload and the
caseload review, so the two pages flag people the same way.

The badges and dates are worked out and written here rather than in the templates: a caseload of a
hundred people would otherwise run a few thousand template lookups, date filters and two includes per
row for the same few labels. Both write themselves when a template outputs them (`html_safe`: a
template writes `str()` of what it is given).
"""

import datetime
from datetime import tzinfo
from html import escape
from typing import NamedTuple

from django.utils.html import html_safe
from django.utils.safestring import SafeString, mark_safe

from accounts.dates import day_text, days_ago_text, short_day_text
from caseloads.models import CaseloadStatus, IntensityLevel
from patients.models import Enrollment, EnrollmentStatus, Phase


class Badge(NamedTuple):
    # The badge's class beside "badge": the stage, phase or level it shows, or the kind of flag.
    css_class: str
    text: str


@html_safe
class Badges(tuple[Badge, ...]):
    """A row's badges; `{{ badges }}` writes them as spans, each followed by a space."""

    def __str__(self) -> str:
        # html.escape and an f-string: format_html (and Django's lazy-aware escape) cost several times as
        # much, a few thousand times a page.
        return "".join(f'<span class="badge {escape(css)}">{escape(str(text))}</span> ' for css, text in self)


def enrollment_badges(enrollment: Enrollment, status: CaseloadStatus | None) -> Badges:
    """Stage, phase, level of care (and a suggested step up or down), and whether contact is overdue."""
    badges = [
        Badge(f"badge-{enrollment.status}", EnrollmentStatus(enrollment.status).label),
        Badge(f"phase-{enrollment.phase}", Phase(enrollment.phase).label),
    ]
    if status is None:
        return Badges([*badges, Badge("level-unset", "Intensity not set")])
    badges.append(
        Badge(f"level-{status.current_level}", f"{IntensityLevel(status.current_level).label} intensity")
    )
    if step := status.step_suggestion:
        badges.append(Badge("flag-step", f"{step.capitalize()} suggested"))
    if status.is_overdue:
        badges.append(Badge("flag-overdue", "Contact overdue"))
    return Badges(badges)


def caseload_badges(row: Enrollment) -> Badges:
    """A row of caseloads.selectors.caseload_rows: its enrolment's badges, then the flags that ask for
    attention (new referral, crisis since the last contact, graduation, referral follow-up)."""
    status = getattr(row, "caseload_status", None)
    badges = list(enrollment_badges(row, status))
    if row.is_new_referral:
        badges.append(Badge("flag-new", "New, not reached yet"))
    if row.had_crisis_since_contact:
        badges.append(Badge("flag-crisis", f"ED visit or admission {short_day_text(row.last_crisis_on)}"))
    if status is not None and status.is_graduation_candidate:
        badges.append(Badge("flag-graduation", "Graduation candidate"))
    if row.graduation_prepared_on:
        prepared_on = short_day_text(row.graduation_prepared_on)
        badges.append(Badge("flag-graduation", f"Prepare graduation (supervision {prepared_on})"))
    if row.referral_follow_up_due:
        badges.append(Badge("flag-referral", "Referral follow-up due"))
    return Badges(badges)


@html_safe
class ContactDates(NamedTuple):
    """The last reached contact (in the program's time zone) and the next due, as a caseload row says them;
    `{{ dates }}` writes the row's "Last contact: … · Next due …" line."""

    last_text: str  # "5 Jun 2026", or "" before the first
    last_iso: str
    last_ago: str  # "3 days ago"
    next_due_text: str  # "12 Jun", or "" when nothing is due
    next_due_iso: str
    is_overdue: bool

    def __str__(self) -> str:
        # Every part is a date or a fixed phrase written here, so nothing needs escaping.
        last = (
            f'<time datetime="{self.last_iso}">{self.last_text}</time> ({self.last_ago})'
            if self.last_text
            else "none yet"
        )
        due = ""
        if self.next_due_text:
            said = "Was due" if self.is_overdue else "Next due"
            due = f' · {said} <time datetime="{self.next_due_iso}">{self.next_due_text}</time>'
        return f'<p class="row-context">Last contact: {last}{due}</p>'


def contact_dates(row: Enrollment, *, time_zone: tzinfo, today: datetime.date) -> ContactDates:
    """`time_zone` and `today` are the program's (timezone.get_current_timezone(), timezone.localdate()),
    looked up once for a whole caseload."""
    status = getattr(row, "caseload_status", None)
    due_on = status.next_contact_due_on if status is not None else None
    last = row.last_reached_at.astimezone(time_zone) if row.last_reached_at else None
    return ContactDates(
        last_text=day_text(last.date()) if last else "",
        last_iso=last.isoformat() if last else "",
        last_ago=days_ago_text(last.date(), today) if last else "",
        next_due_text=short_day_text(due_on) if due_on else "",
        next_due_iso=due_on.isoformat() if due_on else "",
        is_overdue=status is not None and status.is_overdue,
    )


def review_row(row: Enrollment, *, record_url: str, decision_fields: str = "") -> SafeString:
    """One person on the caseload review, written out here for the reason above: their name (a link to
    the record), badges, why their level is recommended, the contact dates, then `decision_fields` (the
    supervisor's controls for them, already written; "" for anyone else)."""
    status = getattr(row, "caseload_status", None)
    overdue = " is-overdue" if status is not None and status.is_overdue else ""
    why = ""
    if status is not None and status.recommendation_reasons:
        level = escape(status.get_recommended_level_display().lower())
        reasons = escape("; ".join(status.recommendation_reasons))
        why = f'<p class="row-context">Recommended {level}: {reasons}</p>'
    return mark_safe(  # noqa: S308 - every value written above is escaped or fixed text
        f'<li class="caseload-row{overdue}"><a class="row-link" href="{escape(record_url)}">'
        f'<span class="name">{escape(row.patient.display_name)}</span></a>'
        f'<div class="row-facts">{row.badges}</div>{why}{row.contact_dates}{decision_fields}</li>'
    )
