"""The team dashboard's rows, one per care manager, written here rather than in the template.

A row has eleven cells, two small charts and a dozen conditions; through the template engine the ten rows
of a team cost more than reading their figures (about 1 ms a row). Written with html.escape and
f-strings, as the caseload review's rows are (caseloads.caseload_badges.review_row). Every number is an
int or a float rounded here, written as the template would (no thousands separator is configured).
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from caseloads.dashboard import CareManagerRow, Trend


def trend_figure(trend: Trend, label: str) -> str:
    """A small line chart of one weekly figure, with its description as the caption."""
    described = escape(f"{label}: {trend.description}")
    chart = ""
    if trend.points:
        capacity = ""
        if trend.capacity_y is not None:
            capacity = (
                f'<line class="trend-capacity" x1="0" x2="100" y1="{trend.capacity_y}" '
                f'y2="{trend.capacity_y}"></line>'
            )
        chart = (
            f'<svg viewBox="0 0 100 24" width="100" height="24" role="img" aria-label="{described}" '
            f'preserveAspectRatio="none">{capacity}<polyline class="trend-line" points="{trend.points}">'
            "</polyline></svg>"
        )
    return f'<figure class="trend">{chart}<figcaption class="muted">{described}</figcaption></figure>'


def dashboard_row(row: CareManagerRow, *, review_url: str) -> SafeString:
    """One care manager's row of the team dashboard; `review_url` opens their caseload review."""
    care_manager = row.care_manager
    flags = ""
    if row.is_over_capacity:
        flags += ' <span class="badge flag-overdue">Over capacity</span>'
    if row.is_lagging:
        flags += ' <span class="badge flag-crisis">Many overdue</span>'
    mix_bar = ""
    if row.in_care:
        segments = "".join(
            f'<rect class="mix-{level}" x="{x}" y="0" width="{width}" height="8"></rect>'
            for level, x, width in row.mix_segments
        )
        mix_bar = (
            '<svg class="mix-bar" viewBox="0 0 100 8" width="80" height="8" aria-hidden="true" '
            f'preserveAspectRatio="none">{segments}</svg>'
        )
    over = ' class="text-warning"' if row.is_over_capacity else ""
    overdue = f'<strong class="text-warning">{row.overdue}</strong>' if row.overdue else "0"
    if row.last_supervised_on is None:
        supervision = '<span class="text-warning">Not yet</span>'
    else:
        days = row.days_since_supervision
        due = ' class="text-warning"' if row.supervision_due else ""
        supervision = f"<span{due}>{days} day{'' if days == 1 else 's'} ago</span>"
    return mark_safe(  # noqa: S308 - every value written above is escaped, a number or fixed text
        f'<tr class="{"stands-out" if row.stands_out else ""}">'
        f'<th scope="row"><a href="{escape(review_url)}">{escape(str(care_manager))}</a> '
        f'<span class="muted">{escape(care_manager.get_discipline_display())}</span>{flags}</th>'
        f"<td>{row.outreach}</td><td>{row.active}</td><td>{row.maintenance}</td>"
        f'<td><span class="intensity-mix" role="img" '
        f'aria-label="{row.high} high, {row.medium} medium, {row.low} low">'
        f"{mix_bar} {row.high} / {row.medium} / {row.low}</span></td>"
        f"<td><span{over}><strong>{row.weighted_load}</strong> of {row.capacity}</span> "
        f'<span class="muted">({row.load_percent}%)</span></td>'
        f"<td>{overdue}</td><td>{row.graduation_candidates}</td><td>{row.step_ups}</td>"
        f"<td>{supervision}</td>"
        f'<td class="trend-cell">{trend_figure(row.load_trend, "Load")}'
        f"{trend_figure(row.overdue_trend, 'Overdue')}</td></tr>"
    )
