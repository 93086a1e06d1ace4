"""Program outcomes for program leads and admins: what the figures mean, and how the page reads them.

The figures come from tables that caseloads.outcomes_refresh works out from the records every hour (and by
hand with `manage.py refresh_outcomes`); the page says when. Costs are read as recorded, at once. Reading
the page is a handful of set-based queries whatever the program's size: one over the enrolments, one over
dated events, one over costs. Only program-wide roles (lead, admin) see it, and they see their whole
program, which is what patients.access.enrollments_visible_to gives them, so the figures are read by
program.

Which enrolments: those whose episode overlaps the period: referred on or before its last day, and not
ended before its first day. The team is the enrolment's team. Events that have a date (discharges,
satisfaction answers, success moments) count when that date is in the period; comparisons of a person with
themselves (visits before and since enrolment, confidence) use the whole episode up to the day of the
figures.

Definitions:

- Funnel. Referred: every enrolment (a returning graduate's new episode counts again). Screened: the
  referral has a screening decision. Enrolled: the person was enrolled (became active). Declined, not a
  fit, graduated: the episode ended so. Shares are of the referred. Median days (PostgreSQL
  percentile_cont) are between the step's date and the step before: referral to screening, screening to
  enrolment, referral to declining or to "not a fit", enrolment to graduation, over the people who have
  both dates.
- Time in program: days from enrolment to the end (graduated; left before graduating), or to the day of
  the figures (still in care); medians.
- ED visits and admissions per patient-year: ED visits, and admissions and readmissions, of enrolled
  people, at most one of a kind per person per day (the care team and a claims file often record the same
  visit). Before: the 365 days before enrolment, one patient-year each. Since: from enrolment to the end
  or the day of the figures, both ends counted; patient-years = days / 365. Rate = visits / patient-years.
  Each person's own rate: of people with at least one such visit before and at least 90 days since
  enrolment, those whose rate since is lower than before.
- 30-day readmission: of the hospital discharges of enrolled people while enrolled (a discharge event, or
  the end date of an admission), those followed by an admission 1 to 30 days later. Discharges less than
  30 days before the day of the figures are not counted until their 30 days have passed. Target: 15 % or
  lower.
- Satisfaction: of the satisfaction answers (1 to 5) recorded in the period, the share answering 4 or 5.
  Target: 85 % or higher.
- Cost per case: the program's recorded costs for the period (a cost whose dates run past the period
  counts for its days inside it; with a team chosen, that team's costs only) divided by the people
  enrolled at some time in the period.
- Success moments: recorded in the period, by kind, with the number of people they belong to.
- Confidence change: for enrolled people with at least two confidence ratings since enrolment, the last
  minus the first: the mean change, and how many improved, stayed the same or dropped.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.dates import day_text
from accounts.models import Team, User
from caseloads.models import OutcomeEpisode, OutcomeEvent, OutcomeEventKind, OutcomeRefresh, ProgramCost
from caseloads.outcomes_refresh import DAYS_BEFORE_ENROLMENT, READMISSION_DAYS
from engagement.models import SuccessKind
from patients.access import PROGRAM_WIDE_ROLES
from patients.models import EnrollmentStatus

READMISSION_TARGET_PERCENT = 15
SATISFACTION_TARGET_PERCENT = 85
# Satisfaction answers that count as satisfied.
SATISFIED_FROM = 4
# A person's own rate since enrolment is compared with before only after this many days.
OWN_RATE_MIN_DAYS = 90


class PeriodChoice:
    LAST_12_MONTHS = "last-12-months"
    THIS_YEAR = "this-year"
    LAST_YEAR = "last-year"
    ALL_TIME = "all-time"
    CUSTOM = "custom"


PERIOD_CHOICES = (
    (PeriodChoice.LAST_12_MONTHS, "Last 12 months"),
    (PeriodChoice.THIS_YEAR, "This year"),
    (PeriodChoice.LAST_YEAR, "Last year"),
    (PeriodChoice.ALL_TIME, "All time"),
    (PeriodChoice.CUSTOM, "Dates I choose"),
)
DEFAULT_PERIOD = PeriodChoice.LAST_12_MONTHS


@dataclasses.dataclass(frozen=True)
class Period:
    # None: from the beginning.
    starts_on: datetime.date | None
    ends_on: datetime.date
    name: str

    @property
    def label(self) -> str:
        if self.starts_on is None:
            return f"{self.name} (up to {day_text(self.ends_on)})"
        return f"{self.name} ({day_text(self.starts_on)} to {day_text(self.ends_on)})"


def _a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_for(
    choice: str,
    *,
    today: datetime.date,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Period:
    """The dates of a period choice. A custom period needs both dates (the filter form checks them)."""
    names = dict(PERIOD_CHOICES)
    if choice == PeriodChoice.THIS_YEAR:
        return Period(today.replace(month=1, day=1), today, names[choice])
    if choice == PeriodChoice.LAST_YEAR:
        return Period(
            datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31), names[choice]
        )
    if choice == PeriodChoice.ALL_TIME:
        return Period(None, today, names[choice])
    if choice == PeriodChoice.CUSTOM and starts_on is not None and ends_on is not None:
        return Period(starts_on, ends_on, "Chosen dates")
    return Period(
        _a_year_before(today) + datetime.timedelta(days=1), today, names[PeriodChoice.LAST_12_MONTHS]
    )


@dataclasses.dataclass(frozen=True)
class OutcomeFilters:
    period: Period
    team_id: int | None = None
    team_name: str = ""

    @property
    def label(self) -> str:
        return f"{self.period.label}, {self.team_name or 'all teams'}"

    @property
    def query(self) -> str:
        """The filters as a query string with the period's dates spelled out, so a download made later
        holds the same figures as the page."""
        if self.period.starts_on is None:
            parameters: dict[str, object] = {"period": PeriodChoice.ALL_TIME}
        else:
            parameters = {
                "period": PeriodChoice.CUSTOM,
                "starts_on": f"{self.period.starts_on:%Y-%m-%d}",
                "ends_on": f"{self.period.ends_on:%Y-%m-%d}",
            }
        if self.team_id is not None:
            parameters["team"] = self.team_id
        return urlencode(parameters)


class Figure(NamedTuple):
    """One cell: as shown on the page, and as written to the CSV (plain, without separators or units)."""

    text: str
    raw: str


MISSING = Figure("—", "")


@dataclasses.dataclass(frozen=True)
class OutcomeRow:
    label: str
    figures: tuple[Figure, ...]


@dataclasses.dataclass(frozen=True)
class OutcomeTable:
    slug: str
    title: str
    caption: str
    # The first heading is the rows' own.
    headings: tuple[str, ...]
    rows: tuple[OutcomeRow, ...]
    how_computed: tuple[str, ...]
    # Plain sentences under the table: the comparison with a target, the change, what is left out.
    statements: tuple[str, ...] = ()
    # Whether the figure meets its target (None: no target, or nothing to compare).
    meets_target: bool | None = None
    # Shown instead of the table when there is nothing to show.
    empty_message: str = ""
    # The figures are read as recorded now, not from the hourly computation.
    is_live: bool = False

    def csv_rows(self, *, context: tuple[str, ...] = ()) -> list[list[str]]:
        """The table for a spreadsheet: headings, then one line per row; `context` ends each line."""
        extra = ["Period", "Team", "Computed at"] if context else []
        return [
            [*self.headings, *extra],
            *([row.label, *(figure.raw for figure in row.figures), *context] for row in self.rows),
        ]


@dataclasses.dataclass(frozen=True)
class OutcomesPage:
    filters: OutcomeFilters
    # None until the figures are first worked out.
    refresh: OutcomeRefresh | None
    tables: tuple[OutcomeTable, ...]

    def table(self, slug: str) -> OutcomeTable | None:
        return next((table for table in self.tables if table.slug == slug), None)


# The tables, in page order, by the slug of their CSV download.
TABLE_SLUGS = (
    "funnel",
    "time-in-program",
    "utilisation",
    "utilisation-per-person",
    "readmissions",
    "satisfaction",
    "costs",
    "success-moments",
    "confidence",
)


def can_view_outcomes(user: User) -> bool:
    """Program leads and admins, who see their whole program."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.program_id is not None
        and user.role in PROGRAM_WIDE_ROLES
    )


def outcome_teams(*, user: User) -> list[tuple[int, str]]:
    """The program's teams, for the team filter."""
    if not can_view_outcomes(user):
        raise PermissionDenied
    return list(Team.objects.filter(program_id=user.program_id).order_by("name").values_list("pk", "name"))


def outcomes_page_for(*, user: User, filters: OutcomeFilters) -> OutcomesPage:
    """Every outcome table for the filters: four queries, whatever the size of the program."""
    if not can_view_outcomes(user):
        raise PermissionDenied
    program_id = user.program_id
    refresh = OutcomeRefresh.objects.filter(program_id=program_id).first()
    if refresh is None:
        return OutcomesPage(filters=filters, refresh=None, tables=())
    episodes, events = _stored_totals(program_id=program_id, filters=filters, refresh=refresh)
    costs = _costs_in_period(program_id=program_id, filters=filters)
    tables = (
        _funnel(episodes),
        _time_in_program(episodes),
        _utilisation(episodes),
        _utilisation_per_person(episodes),
        _readmissions(events),
        _satisfaction(events),
        _costs(costs, cases=episodes["in_care"]),
        _success_moments(events),
        _confidence(episodes),
    )
    return OutcomesPage(filters=filters, refresh=refresh, tables=tables)


# Reading the stored figures.

# The totals change only when the refresh runs, so they are kept per refresh, program, team and period:
# a new refresh has a new computed-at time, and with it a new key. Costs are read live.
TOTALS_CACHE_SECONDS = 2 * 60 * 60


def _stored_totals(
    *, program_id: int, filters: OutcomeFilters, refresh: OutcomeRefresh
) -> tuple[dict[str, Any], dict[str, Any]]:
    period = filters.period
    key = (
        f"outcomes:{program_id}:{refresh.computed_at.isoformat()}:{filters.team_id or 'all'}:"
        f"{period.starts_on or 'start'}:{period.ends_on}"
    )
    totals = cache.get(key)
    if totals is None:
        totals = (
            _episode_totals(program_id=program_id, filters=filters),
            _event_totals(program_id=program_id, filters=filters),
        )
        cache.set(key, totals, TOTALS_CACHE_SECONDS)
    return totals


def _table_name(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _median(expression: str, condition: str) -> str:
    return f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {expression}) FILTER (WHERE {condition})"


_ENROLLED = "enrolled_on IS NOT NULL"
_LEFT_EARLY = f"{_ENROLLED} AND ended_on IS NOT NULL AND status <> %(graduated)s"
_STILL_IN_CARE = f"{_ENROLLED} AND ended_on IS NULL"
_OWN_ED = "ed_visits_before > 0 AND days_since >= %(own_rate_days)s"
_OWN_ADMISSIONS = "admissions_before > 0 AND days_since >= %(own_rate_days)s"


def _episode_sql() -> str:
    return f"""
SELECT
    count(*) AS referred,
    count(*) FILTER (WHERE screened_on IS NOT NULL) AS screened,
    count(*) FILTER (WHERE {_ENROLLED}) AS enrolled,
    count(*) FILTER (WHERE status = %(declined)s) AS declined,
    count(*) FILTER (WHERE status = %(not_a_fit)s) AS not_a_fit,
    count(*) FILTER (WHERE status = %(graduated)s) AS graduated,
    {_median("screened_on - referred_on", "screened_on IS NOT NULL")} AS referral_to_screening,
    count(*) FILTER (WHERE {_ENROLLED} AND screened_on IS NOT NULL) AS screening_to_enrolment_people,
    {_median("enrolled_on - screened_on", f"{_ENROLLED} AND screened_on IS NOT NULL")}
        AS screening_to_enrolment,
    {_median("ended_on - referred_on", "status = %(declined)s")} AS referral_to_declined,
    {_median("ended_on - referred_on", "status = %(not_a_fit)s")} AS referral_to_not_a_fit,
    count(*) FILTER (WHERE status = %(graduated)s AND {_ENROLLED}) AS graduated_people,
    {_median("ended_on - enrolled_on", f"status = %(graduated)s AND {_ENROLLED}")} AS enrolment_to_graduation,
    count(*) FILTER (WHERE {_LEFT_EARLY}) AS left_early,
    {_median("ended_on - enrolled_on", _LEFT_EARLY)} AS left_early_days,
    count(*) FILTER (WHERE {_STILL_IN_CARE}) AS still_in_care,
    {_median("days_since - 1", _STILL_IN_CARE)} AS still_in_care_days,
    COALESCE(sum(ed_visits_before) FILTER (WHERE {_ENROLLED}), 0) AS ed_visits_before,
    COALESCE(sum(admissions_before) FILTER (WHERE {_ENROLLED}), 0) AS admissions_before,
    COALESCE(sum(ed_visits_since) FILTER (WHERE {_ENROLLED}), 0) AS ed_visits_since,
    COALESCE(sum(admissions_since) FILTER (WHERE {_ENROLLED}), 0) AS admissions_since,
    COALESCE(sum(days_since) FILTER (WHERE {_ENROLLED}), 0) AS days_since,
    count(*) FILTER (WHERE {_OWN_ED}) AS ed_compared,
    count(*) FILTER (WHERE {_OWN_ED} AND ed_visits_since * 365 < ed_visits_before * days_since) AS ed_fell,
    count(*) FILTER (WHERE {_OWN_ADMISSIONS}) AS admissions_compared,
    count(*) FILTER (
        WHERE {_OWN_ADMISSIONS} AND admissions_since * 365 < admissions_before * days_since
    ) AS admissions_fell,
    count(*) FILTER (WHERE first_confidence IS NOT NULL) AS confidence_people,
    count(*) FILTER (WHERE last_confidence > first_confidence) AS confidence_improved,
    count(*) FILTER (WHERE last_confidence = first_confidence) AS confidence_same,
    count(*) FILTER (WHERE last_confidence < first_confidence) AS confidence_dropped,
    COALESCE(sum(last_confidence - first_confidence), 0) AS confidence_change,
    count(*) FILTER (WHERE {_ENROLLED} AND enrolled_on <= %(ends_on)s) AS in_care
FROM {_table_name(OutcomeEpisode)}
WHERE program_id = %(program_id)s
  AND (%(team_id)s::bigint IS NULL OR team_id = %(team_id)s::bigint)
  AND referred_on <= %(ends_on)s
  AND (%(starts_on)s::date IS NULL OR ended_on IS NULL OR ended_on >= %(starts_on)s::date)
"""  # noqa: S608 - only table names from model metadata; values are parameters


def _event_sql() -> str:
    # An enrolment's first event of a kind in the period is the one whose previous event is before the period
    # (or that has none): counting those counts people, without a DISTINCT (a sort per count).
    first_of = "(previous_on IS NULL OR previous_on < %(starts_on)s::date)"
    first_of_kind = "(previous_of_kind_on IS NULL OR previous_of_kind_on < %(starts_on)s::date)"
    of_kind = "kind = %(success)s AND success_kind = %(kind_{index})s"
    per_kind = ",\n    ".join(
        f"count(*) FILTER (WHERE {of_kind.format(index=index)}) AS moments_{index},\n"
        f"    count(*) FILTER (WHERE {of_kind.format(index=index)} AND {first_of}) AS people_{index}"
        for index, _ in enumerate(SuccessKind)
    )
    return f"""
SELECT
    count(*) FILTER (WHERE kind = %(discharge)s AND value IS NOT NULL) AS discharges,
    count(*) FILTER (WHERE kind = %(discharge)s AND value = 1) AS readmitted,
    count(*) FILTER (WHERE kind = %(discharge)s AND value IS NULL) AS discharges_waiting,
    count(*) FILTER (WHERE kind = %(satisfaction)s) AS surveys,
    count(*) FILTER (WHERE kind = %(satisfaction)s AND value >= %(satisfied_from)s) AS satisfied,
    count(*) FILTER (WHERE kind = %(success)s) AS moments,
    count(*) FILTER (WHERE kind = %(success)s AND {first_of_kind}) AS moment_people,
    {per_kind}
FROM {_table_name(OutcomeEvent)}
WHERE program_id = %(program_id)s
  AND (%(team_id)s::bigint IS NULL OR team_id = %(team_id)s::bigint)
  AND occurred_on <= %(ends_on)s
  AND (%(starts_on)s::date IS NULL OR occurred_on >= %(starts_on)s::date)
"""  # noqa: S608 - only table names from model metadata; values are parameters


def _one_row(sql: str, parameters: dict[str, object]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        names = [column.name for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _filter_parameters(program_id: int, filters: OutcomeFilters) -> dict[str, object]:
    return {
        "program_id": program_id,
        "team_id": filters.team_id,
        "starts_on": filters.period.starts_on,
        "ends_on": filters.period.ends_on,
    }


def _episode_totals(*, program_id: int, filters: OutcomeFilters) -> dict[str, Any]:
    return _one_row(
        _episode_sql(),
        _filter_parameters(program_id, filters)
        | {
            "declined": EnrollmentStatus.DECLINED.value,
            "not_a_fit": EnrollmentStatus.NOT_A_FIT.value,
            "graduated": EnrollmentStatus.GRADUATED.value,
            "own_rate_days": OWN_RATE_MIN_DAYS,
        },
    )


def _event_totals(*, program_id: int, filters: OutcomeFilters) -> dict[str, Any]:
    return _one_row(
        _event_sql(),
        _filter_parameters(program_id, filters)
        | {
            "discharge": OutcomeEventKind.DISCHARGE.value,
            "satisfaction": OutcomeEventKind.SATISFACTION.value,
            "success": OutcomeEventKind.SUCCESS.value,
            "satisfied_from": SATISFIED_FROM,
        }
        | {f"kind_{index}": kind.value for index, kind in enumerate(SuccessKind)},
    )


@dataclasses.dataclass(frozen=True)
class CostsInPeriod:
    total: Decimal
    records: int
    prorated: int


def _costs_in_period(*, program_id: int, filters: OutcomeFilters) -> CostsInPeriod:
    """The costs recorded for the period; a cost whose dates run past it counts for its days inside it."""
    period = filters.period
    costs = ProgramCost.objects.filter(program_id=program_id, starts_on__lte=period.ends_on)
    if period.starts_on is not None:
        costs = costs.filter(ends_on__gte=period.starts_on)
    if filters.team_id is not None:
        costs = costs.filter(team_id=filters.team_id)
    total = Decimal(0)
    records = prorated = 0
    for starts_on, ends_on, amount in costs.values_list("starts_on", "ends_on", "amount"):
        inside_from = max(starts_on, period.starts_on or starts_on)
        inside_to = min(ends_on, period.ends_on)
        days, inside = (ends_on - starts_on).days + 1, (inside_to - inside_from).days + 1
        total += amount * inside / days
        records += 1
        prorated += inside < days
    return CostsInPeriod(
        total=total.quantize(Decimal("0.01"), ROUND_HALF_UP), records=records, prorated=prorated
    )


# Formatting: each figure as shown and as written to a CSV.


def _count(value: int | None) -> Figure:
    return MISSING if value is None else Figure(f"{value:,}", str(value))


def _number(value: float | None, places: int, *, trim: bool = False) -> Figure:
    """A decimal number; `trim` drops trailing zeros (4.0 days shows as 4)."""
    if value is None:
        return MISSING
    raw, text = f"{value:.{places}f}", f"{value:,.{places}f}"
    if trim and places:
        raw, text = raw.rstrip("0").rstrip("."), text.rstrip("0").rstrip(".")
    return Figure(text, raw)


def _share(numerator: int, denominator: int) -> float | None:
    return None if not denominator else numerator * 100 / denominator


def _percent(numerator: int, denominator: int) -> Figure:
    share = _share(numerator, denominator)
    return MISSING if share is None else Figure(f"{share:.1f} %", f"{share:.1f}")


def _money(value: Decimal | None) -> Figure:
    return MISSING if value is None else Figure(f"{value:,.2f}", f"{value:.2f}")


def _signed(value: float | None, places: int, unit: str = "") -> Figure:
    if value is None:
        return MISSING
    raw = f"{value:+.{places}f}"
    return Figure(f"{raw}{unit}", raw)


def _text(value: str) -> Figure:
    return Figure(value, value)


def _rows(*rows: tuple[str, Iterable[Figure]]) -> tuple[OutcomeRow, ...]:
    return tuple(OutcomeRow(label, tuple(figures)) for label, figures in rows)


# The tables.


def _funnel(totals: dict[str, Any]) -> OutcomeTable:
    referred = totals["referred"]

    def step(label: str, people: int, median: float | None, since: str, measured: int) -> tuple:
        return label, (
            _count(people),
            _count(referred),
            _percent(people, referred),
            _number(median, 1, trim=True),
            _text(since) if measured else MISSING,
            _count(measured),
        )

    return OutcomeTable(
        slug="funnel",
        title="Enrolment funnel",
        caption="Where the enrolments of the period got to, and the median days each step took",
        headings=(
            "Step",
            "People",
            "Referred",
            "Share of referred",
            "Median days",
            "Days from",
            "People measured",
        ),
        rows=_rows(
            (
                "Referred",
                (_count(referred), _count(referred), _percent(referred, referred), MISSING, MISSING, MISSING),
            ),
            step(
                "Screened",
                totals["screened"],
                totals["referral_to_screening"],
                "referral",
                totals["screened"],
            ),
            step(
                "Enrolled",
                totals["enrolled"],
                totals["screening_to_enrolment"],
                "screening",
                totals["screening_to_enrolment_people"],
            ),
            step(
                "Declined", totals["declined"], totals["referral_to_declined"], "referral", totals["declined"]
            ),
            step(
                "Not a fit",
                totals["not_a_fit"],
                totals["referral_to_not_a_fit"],
                "referral",
                totals["not_a_fit"],
            ),
            step(
                "Graduated",
                totals["graduated"],
                totals["enrolment_to_graduation"],
                "enrolment",
                totals["graduated_people"],
            ),
        ),
        how_computed=(
            "Every enrolment of the period is referred; a returning graduate's new enrolment counts again.",
            "Screened: a screening decision is recorded. Enrolled: the person was enrolled (became active). "
            "Declined, not a fit and graduated: how the enrolment ended.",
            "Median days are between the step's date and the step before, over the people with both dates "
            "(half took fewer days, half more).",
        ),
        empty_message="" if referred else "No enrolments in this period.",
    )


def _time_in_program(totals: dict[str, Any]) -> OutcomeTable:
    return OutcomeTable(
        slug="time-in-program",
        title="Time in program",
        caption="Median days from enrolment, by how the enrolment stands",
        headings=("Group", "People", "Median days"),
        rows=_rows(
            (
                "Graduated",
                (
                    _count(totals["graduated_people"]),
                    _number(totals["enrolment_to_graduation"], 1, trim=True),
                ),
            ),
            (
                "Left before graduating",
                (_count(totals["left_early"]), _number(totals["left_early_days"], 1, trim=True)),
            ),
            (
                "Still in care (so far)",
                (_count(totals["still_in_care"]), _number(totals["still_in_care_days"], 1, trim=True)),
            ),
        ),
        how_computed=(
            "Days from enrolment to the day the enrolment ended, or, for people still in care, to the day "
            "the figures were computed.",
        ),
        empty_message="" if totals["enrolled"] else "Nobody of this period was enrolled.",
    )


def _rate(events: int, days: int) -> float | None:
    return None if not days else events * DAYS_BEFORE_ENROLMENT / days


def _utilisation(totals: dict[str, Any]) -> OutcomeTable:
    enrolled = totals["enrolled"]
    days_before = enrolled * DAYS_BEFORE_ENROLMENT
    days_since = totals["days_since"]
    rows = []
    statements = []
    for name, key in (("ED visits", "ed_visits"), ("Hospital admissions", "admissions")):
        before, since = totals[f"{key}_before"], totals[f"{key}_since"]
        rate_before, rate_since = _rate(before, days_before), _rate(since, days_since)
        rows.append(
            (
                f"{name}, 12 months before enrolment",
                (_count(before), _number(days_before / 365, 2), _number(rate_before, 2)),
            )
        )
        rows.append(
            (f"{name} since enrolment", (_count(since), _number(days_since / 365, 2), _number(rate_since, 2)))
        )
        if rate_before and rate_since is not None:
            change = (rate_since - rate_before) * 100 / rate_before
            direction = "fewer" if change < 0 else "more"
            statements.append(
                f"{name}: {rate_before:.2f} per patient-year before enrolment, {rate_since:.2f} since "
                f"({abs(change):.1f} % {direction})."
                if change
                else f"{name}: {rate_before:.2f} per patient-year before enrolment and since."
            )
    return OutcomeTable(
        slug="utilisation",
        title="ED visits and hospital admissions per patient-year",
        caption="Visits of the people enrolled, in the year before enrolment and since, per year of time",
        headings=("Measure", "Visits", "Patient-years", "Per patient-year"),
        rows=_rows(*rows),
        how_computed=(
            "Before: the 365 days before each person's enrolment, one patient-year each. Since: from "
            "enrolment to the end of the enrolment or the day the figures were computed; patient-years are "
            "those days divided by 365.",
            "Per patient-year: visits divided by patient-years. Admissions include readmissions. Two records "
            "of the same kind for a person on one day count once (the care team and a claims file often "
            "record the same visit).",
        ),
        statements=tuple(statements),
        empty_message="" if enrolled else "Nobody of this period was enrolled.",
    )


def _utilisation_per_person(totals: dict[str, Any]) -> OutcomeTable:
    return OutcomeTable(
        slug="utilisation-per-person",
        title="Each person's own rate",
        caption="People whose own rate of visits since enrolment is lower than in the year before",
        headings=("Measure", "Rate fell", "People compared", "Share"),
        rows=_rows(
            (
                "ED visits",
                (
                    _count(totals["ed_fell"]),
                    _count(totals["ed_compared"]),
                    _percent(totals["ed_fell"], totals["ed_compared"]),
                ),
            ),
            (
                "Hospital admissions",
                (
                    _count(totals["admissions_fell"]),
                    _count(totals["admissions_compared"]),
                    _percent(totals["admissions_fell"], totals["admissions_compared"]),
                ),
            ),
        ),
        how_computed=(
            "People compared: those with at least one such visit in the year before enrolment and at least "
            f"{OWN_RATE_MIN_DAYS} days since (a shorter time says little). Rate fell: their visits per "
            "patient-year since enrolment are fewer than before.",
        ),
        empty_message="" if totals["enrolled"] else "Nobody of this period was enrolled.",
    )


def _against_target(
    numerator: int, denominator: int, *, target: int, lower_is_better: bool, what: str
) -> tuple[str, bool | None, str]:
    """The word for the table, whether the target is met, and the sentence that says it."""
    if not denominator:
        return (
            "Nothing to compare",
            None,
            f"No {what} in this period: nothing to compare with the {target} % target.",
        )
    share = numerator * 100 / denominator
    met = (
        numerator * 100 <= target * denominator
        if lower_is_better
        else numerator * 100 >= target * denominator
    )
    if numerator * 100 == target * denominator:
        position = f"at the {target} % target"
    else:
        position = (
            f"{abs(share - target):.1f} points {'below' if share < target else 'above'} the {target} % target"
        )
    return (
        ("Met" if met else "Not met"),
        met,
        f"{share:.1f} % is {position}: the target is {'met' if met else 'not met'}.",
    )


def _readmissions(totals: dict[str, Any]) -> OutcomeTable:
    readmitted, discharges, waiting = totals["readmitted"], totals["discharges"], totals["discharges_waiting"]
    word, met, sentence = _against_target(
        readmitted,
        discharges,
        target=READMISSION_TARGET_PERCENT,
        lower_is_better=True,
        what="discharges with their 30 days passed",
    )
    statements = [sentence]
    if waiting:
        statements.append(
            f"{waiting:,} discharge{'s' if waiting != 1 else ''} of the last {READMISSION_DAYS} days "
            f"{'are' if waiting != 1 else 'is'} not counted yet."
        )
    return OutcomeTable(
        slug="readmissions",
        title="30-day readmissions",
        caption="Hospital discharges of enrolled people followed by an admission within 30 days",
        headings=("Measure", "Readmitted", "Discharges", "Rate", "Target", "Against the target"),
        rows=_rows(
            (
                "Readmitted within 30 days",
                (
                    _count(readmitted),
                    _count(discharges),
                    _percent(readmitted, discharges),
                    _text(f"{READMISSION_TARGET_PERCENT} % or lower"),
                    _text(word),
                ),
            ),
        ),
        how_computed=(
            "Discharges in the period of people while enrolled: a discharge recorded as such, or the end "
            "date of an admission (claims files give it). Two on the same day for a person count once.",
            f"Readmitted: an admission (or readmission) began 1 to {READMISSION_DAYS} days after the "
            f"discharge. A discharge of the last {READMISSION_DAYS} days is counted once its "
            f"{READMISSION_DAYS} days have passed.",
        ),
        statements=tuple(statements),
        meets_target=met,
    )


def _satisfaction(totals: dict[str, Any]) -> OutcomeTable:
    satisfied, surveys = totals["satisfied"], totals["surveys"]
    word, met, sentence = _against_target(
        satisfied,
        surveys,
        target=SATISFACTION_TARGET_PERCENT,
        lower_is_better=False,
        what="satisfaction surveys",
    )
    return OutcomeTable(
        slug="satisfaction",
        title="Patient satisfaction",
        caption="Satisfaction surveys answered in the period",
        headings=("Measure", "Satisfied", "Surveys", "Share", "Target", "Against the target"),
        rows=_rows(
            (
                "Answered 4 or 5 of 5",
                (
                    _count(satisfied),
                    _count(surveys),
                    _percent(satisfied, surveys),
                    _text(f"{SATISFACTION_TARGET_PERCENT} % or higher"),
                    _text(word),
                ),
            ),
        ),
        how_computed=(
            "Every satisfaction answer (1, very unhappy, to 5, very happy) recorded at a check-in in the "
            "period; satisfied means 4 or 5.",
        ),
        statements=(sentence,),
        meets_target=met,
    )


def _costs(costs: CostsInPeriod, *, cases: int) -> OutcomeTable:
    statements = []
    if costs.prorated:
        statements.append(
            f"{costs.prorated:,} of the {costs.records:,} cost records runs past the period's dates: "
            "it counts for its days inside the period."
            if costs.prorated == 1
            else f"{costs.prorated:,} of the {costs.records:,} cost records run past the period's dates: "
            "they count for their days inside the period."
        )
    per_case = (costs.total / cases).quantize(Decimal("0.01"), ROUND_HALF_UP) if cases else None
    return OutcomeTable(
        slug="costs",
        title="Cost per case",
        caption="The program's recorded costs for the period, per person enrolled in it",
        headings=("Measure", "Costs recorded", "Cases", "Cost per case"),
        rows=_rows(
            ("Cost per case", (_money(costs.total), _count(cases), _money(per_case))),
        ),
        how_computed=(
            "Costs: the amounts recorded in Program costs (Admin site) for the period; with a team chosen, "
            "that team's costs only. Cases: people enrolled at some time in the period.",
        ),
        statements=tuple(statements),
        empty_message=""
        if costs.records
        else "No costs are recorded for this period. Staff add them in the Admin site, under Program costs.",
        is_live=True,
    )


def _success_moments(totals: dict[str, Any]) -> OutcomeTable:
    moments = totals["moments"]
    rows = [
        (
            kind.label,
            (
                _count(totals[f"moments_{index}"]),
                _count(moments),
                _percent(totals[f"moments_{index}"], moments),
                _count(totals[f"people_{index}"]),
            ),
        )
        for index, kind in enumerate(SuccessKind)
    ]
    rows.append(
        (
            "Any kind",
            (_count(moments), _count(moments), _percent(moments, moments), _count(totals["moment_people"])),
        )
    )
    return OutcomeTable(
        slug="success-moments",
        title="Success moments",
        caption="Successes as the person sees them, recorded in the period, by kind",
        headings=("Kind", "Moments", "All moments", "Share of moments", "People"),
        rows=_rows(*rows),
        how_computed=(
            "Every success moment recorded in the period. People: how many different enrolments they "
            "belong to.",
        ),
        empty_message="" if moments else "No success moments recorded in this period.",
    )


def _confidence(totals: dict[str, Any]) -> OutcomeTable:
    people = totals["confidence_people"]
    change = totals["confidence_change"]
    mean = change / people if people else None
    return OutcomeTable(
        slug="confidence",
        title="Confidence since enrolment",
        caption="The person's own rating (0 to 10) of their confidence, last rating against the first",
        headings=("Change", "Count", "People measured", "Result"),
        rows=_rows(
            (
                "Improved",
                (
                    _count(totals["confidence_improved"]),
                    _count(people),
                    _percent(totals["confidence_improved"], people),
                ),
            ),
            (
                "Stayed the same",
                (
                    _count(totals["confidence_same"]),
                    _count(people),
                    _percent(totals["confidence_same"], people),
                ),
            ),
            (
                "Dropped",
                (
                    _count(totals["confidence_dropped"]),
                    _count(people),
                    _percent(totals["confidence_dropped"], people),
                ),
            ),
            ("Mean change in points", (_signed(change, 0), _count(people), _signed(mean, 1, " points"))),
        ),
        how_computed=(
            "People measured: enrolled people with at least two confidence ratings since enrolment. Change: "
            "the last rating minus the first. Mean change: the changes added up (its count, in points), "
            "divided by the people measured.",
        ),
        empty_message=""
        if people
        else "Nobody of this period has two confidence ratings since enrolment yet.",
    )
