"""The supervisor's team dashboard, one care manager's caseload review, and weekly supervision sessions."""

import html
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from accounts.errors import DomainError
from accounts.models import User
from accounts.parsing import whole_number
from caseloads.caseload_badges import review_row
from caseloads.dashboard import (
    CaseloadReview,
    caseload_review_for,
    person_to_discuss,
    reassignment_choices,
    supervision_session_for,
    team_dashboard_for,
)
from caseloads.dashboard_rows import dashboard_row
from caseloads.forms_supervision import (
    DecisionForm,
    SupervisionSessionForm,
    decision_prefix,
    reassignment_options,
)
from caseloads.supervision import DecisionRefused, supervision_session_record

REVIEW_TEMPLATE = "caseloads/caseload_review.html"
DECISION_PANEL_TEMPLATE = "caseloads/_decision_panel.html"
DECISION_FIELDS_TEMPLATE = "caseloads/_decision_fields.html"
# Placeholders in what is written once for the page and then copied per person: a number no enrolment or
# patient has, and a name that escaping leaves as it is and no escaped name contains.
_ID_MARK = 987654321
_NAME_MARK = "__PATIENT_NAME__"


@require_GET
def dashboard(request: HttpRequest) -> TemplateResponse:
    """One row per care manager: caseload counts, load against capacity, flags and 12-week trends."""
    team_id = request.GET.get("team", "")
    overview = team_dashboard_for(user=request.user, team_id=whole_number(team_id))
    review_url = reverse("caseloads:caseload-review", args=[_ID_MARK])
    rows = "".join(
        dashboard_row(row, review_url=review_url.replace(str(_ID_MARK), str(row.care_manager.pk)))
        for row in overview.rows
    )
    return TemplateResponse(
        request,
        "caseloads/dashboard.html",
        {"dashboard": overview, "rows": mark_safe(rows)},  # noqa: S308 - each row escapes what it writes
    )


@require_GET
def caseload_review(request: HttpRequest, user_id: int) -> TemplateResponse:
    """The care manager's people grouped by level of care; their supervisor records a session from here.

    `?decide=<enrolment>` (repeatable) opens those people's decision panels: the no-JavaScript way to the
    controls that a closed panel otherwise loads when it is opened.
    """
    review = caseload_review_for(user=request.user, care_manager_id=user_id)
    opened = {
        number for value in request.GET.getlist("decide") if (number := whole_number(value)) is not None
    }
    return _render_review(request, review, opened=opened)


@require_GET
def supervision_decision_fields(request: HttpRequest, user_id: int, enrollment_id: int) -> HttpResponse:
    """One person's decision controls, loaded into their panel on the caseload review when it is opened."""
    enrollment = person_to_discuss(user=request.user, care_manager_id=user_id, enrollment_id=enrollment_id)
    options = DecisionOptions(request.user, care_manager_id=user_id)
    return HttpResponse(options.fields(PostedDecision(enrollment_id=enrollment.pk)))


class DecisionOptions:
    """The <option>s of a decision's selects for one care manager's caseload, as DecisionForm offers them,
    worked out when first needed (the colleagues to reassign to cost a query), and the controls written
    with them."""

    def __init__(self, user: User, *, care_manager_id: int) -> None:
        self.user = user
        self.care_manager_id = care_manager_id
        self._colleagues: list[User] | None = None
        self._choices: dict[str, list[tuple[str, str]]] | None = None

    def colleagues(self) -> list[User]:
        if self._colleagues is None:
            self._colleagues = reassignment_choices(user=self.user, care_manager_id=self.care_manager_id)
        return self._colleagues

    def choices(self) -> dict[str, list[tuple[str, str]]]:
        if self._choices is None:
            fields = DecisionForm.base_fields
            self._choices = {
                "kind": list(fields["kind"].choices),  # type: ignore[attr-defined]
                "level": list(fields["level"].choices),  # type: ignore[attr-defined]
                "reassign_to": reassignment_options(self.colleagues()),
            }
        return self._choices

    def fields(self, decision: "PostedDecision") -> str:
        chosen = decision.values
        options = {name: _options(items, str(chosen.get(name, ""))) for name, items in self.choices().items()}
        return render_to_string(DECISION_FIELDS_TEMPLATE, {"decision": decision, "options": options})


def _render_review(
    request: HttpRequest,
    review: CaseloadReview,
    *,
    session_form: SupervisionSessionForm | None = None,
    decision_forms: dict[int, DecisionForm] | None = None,
    options: DecisionOptions | None = None,
    opened: set[int] | frozenset[int] = frozenset(),
    refusal: str = "",
    status: int = 200,
) -> TemplateResponse:
    """The review; for the supervisor, with the session form and a decision panel beside each person.

    A closed panel is the same for everyone but the names, so it is written once with placeholders and
    copied for each person; its controls load when it is opened. Open panels (those in `opened`, and
    after a refused save everyone with an entry, with what was entered and the errors) are written in
    full.
    """
    context: dict[str, object] = {"review": review, "refusal": refusal}
    panels: dict[int, str] = {}
    if review.can_supervise:
        context["session_form"] = session_form or SupervisionSessionForm(
            initial={"held_on": request.user.program.today()}
        )
        options = options or DecisionOptions(request.user, care_manager_id=review.care_manager.pk)
        # Without JavaScript, the link in a closed panel reloads the review with it open (and those open now).
        review_url = reverse("caseloads:caseload-review", args=[review.care_manager.pk])
        decide = urlencode({"decide": [*sorted(opened), _ID_MARK]}, doseq=True)
        closed = render_to_string(
            DECISION_PANEL_TEMPLATE,
            {
                "decision": PostedDecision(enrollment_id=_ID_MARK),
                "patient_name": _NAME_MARK,
                "fields_url": reverse(
                    "caseloads:supervision-decision-fields", args=[review.care_manager.pk, _ID_MARK]
                ),
                "open_url": f"{review_url}?{decide}",
            },
        )
        for row in review.rows:
            decision = PostedDecision.of(row.pk, (decision_forms or {}).get(row.pk))
            if decision.values or row.pk in opened:
                panels[row.pk] = render_to_string(
                    DECISION_PANEL_TEMPLATE,
                    {
                        "decision": decision,
                        "patient_name": row.patient.display_name,
                        "is_open": True,
                        "fields": mark_safe(options.fields(decision)),  # noqa: S308 - written by a template
                    },
                )
            else:
                # The number first: the name, written last, is never read for a placeholder.
                panels[row.pk] = closed.replace(str(_ID_MARK), str(row.pk)).replace(
                    _NAME_MARK, html.escape(row.patient.display_name)
                )
    # One reverse() for the page, its number swapped for each person's (reverse costs ~10 µs a call).
    record_url = reverse("caseloads:patient-record", args=[_ID_MARK])
    for row in review.rows:
        row.review_row = review_row(
            row,
            record_url=record_url.replace(str(_ID_MARK), str(row.patient_id)),
            decision_fields=panels.get(row.pk, ""),
        )
    return TemplateResponse(request, REVIEW_TEMPLATE, context, status=status)


def _options(choices: list[tuple[str, str]], chosen: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == chosen else "", label) for value, label in choices),
    )


@dataclass(frozen=True)
class PostedDecision:
    """What was entered for one person, and why it was refused; empty before anything is posted."""

    enrollment_id: int
    values: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        """The prefix of the person's field names, as the form gives them."""
        return decision_prefix(self.enrollment_id)

    @classmethod
    def of(cls, enrollment_id: int, form: DecisionForm | None) -> "PostedDecision":
        if form is None or not form.is_bound:
            return cls(enrollment_id=enrollment_id)
        values = {name: form[name].value() or "" for name in form.fields}
        if not any(values.values()) and not form.errors:
            return cls(enrollment_id=enrollment_id)
        values["reassign_to"] = str(values["reassign_to"])
        errors = [str(error) for error in form.non_field_errors()]
        errors += [
            f"{form.fields[name].label}: {error}"
            for name, messages in form.errors.items()
            if name != "__all__"
            for error in messages
        ]
        return cls(enrollment_id=enrollment_id, values=values, errors=errors)


def _decision_forms(
    review: CaseloadReview, data: object, options: DecisionOptions
) -> dict[int, DecisionForm]:
    colleagues = options.colleagues()
    return {
        row.pk: DecisionForm(data, enrollment=row, colleagues=colleagues)  # type: ignore[arg-type]
        for row in review.rows
    }


@require_http_methods(["GET", "POST"])
def supervision_session_create(request: HttpRequest, user_id: int) -> HttpResponse:
    """Save a supervision session and apply its decisions; the form lives on the caseload review."""
    review = caseload_review_for(user=request.user, care_manager_id=user_id)
    if not review.can_supervise:
        raise Http404
    if request.method == "GET":
        return redirect(reverse("caseloads:caseload-review", args=[user_id]) + "#supervision")
    session_form = SupervisionSessionForm(request.POST)
    # The colleagues are read once, for the forms and for any panel written again after a refusal.
    options = DecisionOptions(request.user, care_manager_id=review.care_manager.pk)
    decision_forms = _decision_forms(review, request.POST, options)

    def refused(refusal: str = "") -> TemplateResponse:
        """The review again with what was entered, its errors and `refusal` above it; nothing saved."""
        return _render_review(
            request,
            review,
            session_form=session_form,
            decision_forms=decision_forms,
            options=options,
            refusal=refusal,
            status=422,
        )

    # Every form is validated, so each shows its own errors.
    forms_valid = [session_form.is_valid(), *(form.is_valid() for form in decision_forms.values())]
    if not all(forms_valid):
        return refused()
    discussed = [form.enrollment for form in decision_forms.values() if form.is_discussed]
    decisions = [decision for form in decision_forms.values() if (decision := form.decision())]
    try:
        session = supervision_session_record(
            supervisor=request.user,
            care_manager=review.care_manager,
            discussed=discussed,
            decisions=decisions,
            **session_form.cleaned_data,
        )
    except DecisionRefused as refusal:
        decision_forms[refusal.enrollment_id].add_error(None, str(refusal))
        return refused("Nothing was saved. One decision needs a change: see the person marked below.")
    except DomainError as refusal:
        session_form.add_error(None, str(refusal))
        return refused()
    messages.success(
        request,
        f"Supervision saved: {len(discussed)} {'person' if len(discussed) == 1 else 'people'} discussed, "
        f"{len(decisions)} decision{'' if len(decisions) == 1 else 's'} applied.",
    )
    return redirect("caseloads:supervision-session", session_id=session.pk)


@require_GET
def supervision_session(request: HttpRequest, session_id: int) -> TemplateResponse:
    """A saved session: who, when, notes, the people discussed and what was decided.

    The care manager it was about can read it too; others need the dashboard and the care manager's team.
    """
    session = supervision_session_for(user=request.user, session_id=session_id)
    return TemplateResponse(request, "caseloads/supervision_session.html", {"session": session})
