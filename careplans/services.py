"""Every change to care plans, goals, steps and the assessment goes through a function here.

Each change to the plan bumps its revision and keeps a CarePlanVersion, so earlier versions stay
readable. A goal edit names the goal version it started from: a stale edit is refused with the other
person's change (GoalEditConflict), and nothing is overwritten.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import User
from accounts.persistence import save_valid as _save
from careplans.models import (
    CLOSED_GOAL_STATUSES,
    AssessmentDomain,
    AssessmentDomainKind,
    CarePlan,
    CarePlanReview,
    CarePlanStatus,
    CarePlanVersion,
    Goal,
    GoalStatus,
    HandoutLanguage,
    LifeDomain,
    NeedLevel,
    PlanHandout,
    Step,
    StepOwner,
)
from careplans.selectors import goals_with_steps_of
from patients.access import can_see_part2
from patients.models import CARE_STATUSES, CareTeamMember, CommunitySupport, Enrollment
from patients.services import enrollment_lock_in_care

GOAL_FIELDS = ("patient_words", "why_it_matters", "success_looks_like", "life_domain", "target_on", "status")

# The life domain a goal most likely belongs to when it comes from an assessment domain.
LIFE_DOMAIN_OF_ASSESSMENT: dict[str, str] = {
    AssessmentDomainKind.HEALTH_CONDITIONS: LifeDomain.HEALTH,
    AssessmentDomainKind.MEDICATIONS: LifeDomain.HEALTH,
    AssessmentDomainKind.BEHAVIOURAL_HEALTH: LifeDomain.HEALTH,
    AssessmentDomainKind.SUBSTANCE_USE: LifeDomain.RECOVERY,
    AssessmentDomainKind.HOUSING: LifeDomain.HOUSING,
    AssessmentDomainKind.INCOME_BENEFITS: LifeDomain.MONEY,
    AssessmentDomainKind.LEGAL: LifeDomain.LEGAL,
    AssessmentDomainKind.SOCIAL_SUPPORT: LifeDomain.SOCIAL,
    AssessmentDomainKind.SAFETY_TRAUMA: LifeDomain.SAFETY,
}


class GoalEditConflict(DomainError):
    """Someone else saved the goal after this edit started. `goal` is the goal as it is now."""

    def __init__(self, goal: Goal) -> None:
        who = (goal.updated_by.get_full_name() or goal.updated_by.username) if goal.updated_by else "Someone"
        at = timezone.localtime(goal.updated_at)
        when = f"{at:%H:%M} on {at.day} {at:%b}"
        super().__init__(
            f"{who} changed this goal at {when}, while you were editing it. Their version is "
            "saved and yours is still in the form: compare the two, then save again."
        )
        self.goal = goal


def _today(plan_or_enrollment: CarePlan | Enrollment) -> datetime.date:
    if isinstance(plan_or_enrollment, Enrollment):
        return plan_or_enrollment.program.today()
    return plan_or_enrollment.enrollment.program.today()


def _lock_plan(plan: CarePlan) -> CarePlan:
    """The active plan, locked for this change; refused when the plan is no longer the one in use."""
    plan = (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("enrollment__program", "enrollment__patient")
        .get(pk=plan.pk)
    )
    if plan.status != CarePlanStatus.ACTIVE:
        raise DomainError("This plan has been replaced by a newer one. Open the current plan.")
    if plan.enrollment.status not in CARE_STATUSES:
        raise DomainError("The plan can change only while the person is in outreach or in care.")
    return plan


def care_plan_content(plan: CarePlan) -> dict[str, Any]:
    """The plan as plain values: what a version keeps."""
    return {
        "co_created_with": plan.co_created_with,
        "co_created_where": plan.co_created_where,
        "started_on": plan.started_on.isoformat(),
        "goals": [
            {
                "id": goal.pk,
                "priority": goal.priority,
                "patient_words": goal.patient_words,
                "why_it_matters": goal.why_it_matters,
                "success_looks_like": goal.success_looks_like,
                "life_domain": goal.life_domain,
                "life_domain_label": goal.get_life_domain_display(),
                "status": goal.status,
                "status_label": goal.get_status_display(),
                "target_on": goal.target_on.isoformat() if goal.target_on else None,
                "achieved_on": goal.achieved_on.isoformat() if goal.achieved_on else None,
                "steps": [
                    {
                        "description": step.description,
                        "owner": step.owner,
                        "owner_label": step_owner_label(step),
                        "due_on": step.due_on.isoformat() if step.due_on else None,
                        "completed_on": step.completed_on.isoformat() if step.completed_on else None,
                    }
                    for step in goal.steps.all()
                ],
            }
            for goal in goals_with_steps_of(care_plan=plan)
        ],
    }


def step_owner_label(step: Step) -> str:
    """Who does the step, as the patient would say it."""
    if step.owner == StepOwner.TEAM_MEMBER and step.owner_team_member is not None:
        return step.owner_team_member.display_name
    if step.owner == StepOwner.COMMUNITY_SUPPORT and step.owner_support is not None:
        return step.owner_support.name
    return step.get_owner_display()


def _plan_changed(plan: CarePlan, *, acting_user: User, summary: str) -> CarePlanVersion:
    """Bump the plan's revision and keep the plan as it now stands. Call with the plan locked."""
    plan.revision += 1
    plan.save(update_fields=["revision", "updated_at"])
    return _keep_version(plan, acting_user=acting_user, summary=summary)


def _keep_version(plan: CarePlan, *, acting_user: User, summary: str) -> CarePlanVersion:
    version = CarePlanVersion(
        care_plan=plan,
        revision=plan.revision,
        content=care_plan_content(plan),
        change_summary=summary[:300],
        changed_by=acting_user,
        changed_at=timezone.now(),
    )
    _save(version)
    return version


def _quoted(words: str) -> str:
    return f"“{words[:80]}{'…' if len(words) > 80 else ''}”"


@transaction.atomic
def care_plan_start(
    *,
    enrollment: Enrollment,
    acting_user: User,
    co_created_with: str = "",
    co_created_where: str = "",
    on: datetime.date | None = None,
) -> CarePlan:
    """Start the person's plan. There is one plan in use at a time; revising it keeps its versions."""
    enrollment = enrollment_lock_in_care(
        enrollment, refusal="A plan can be started only while the person is in outreach or in care."
    )
    if CarePlan.objects.filter(enrollment=enrollment, status=CarePlanStatus.ACTIVE).exists():
        raise DomainError("This person already has a plan. Add goals to it instead.")
    on = on or enrollment.program.today()
    if on > enrollment.program.today():
        raise DomainError("The plan cannot start in the future.")
    if on < enrollment.referred_on:
        raise DomainError("The plan cannot start before the person was referred.")
    plan = CarePlan(
        enrollment=enrollment,
        status=CarePlanStatus.ACTIVE,
        co_created_with=co_created_with.strip(),
        co_created_where=co_created_where.strip(),
        started_on=on,
        created_by=acting_user,
    )
    _save(plan)
    _keep_version(plan, acting_user=acting_user, summary="Plan started")
    return plan


@transaction.atomic
def care_plan_details_update(
    *,
    care_plan: CarePlan,
    acting_user: User,
    expected_revision: int,
    co_created_with: str,
    co_created_where: str,
) -> CarePlan:
    """Change who took part in making the plan and where. Refused if the plan changed meanwhile."""
    plan = _lock_plan(care_plan)
    if plan.revision != expected_revision:
        raise DomainError(
            "The plan changed while you were editing (it is now version "
            f"{plan.revision}). Check who took part and where, then save again."
        )
    plan.co_created_with = co_created_with.strip()
    plan.co_created_where = co_created_where.strip()
    _save(plan, update_fields=["co_created_with", "co_created_where", "updated_at"])
    _plan_changed(plan, acting_user=acting_user, summary="Who took part and where changed")
    return plan


def _check_goal_values(values: dict[str, Any]) -> None:
    if not str(values.get("patient_words", "")).strip():
        raise DomainError("Write the goal in the person's own words.")
    if values.get("life_domain") not in LifeDomain.values:
        raise DomainError("Choose the part of life the goal is about.")
    if values.get("status") not in GoalStatus.values:
        raise DomainError("Choose the goal's status.")


@transaction.atomic
def goal_add(
    *,
    care_plan: CarePlan,
    acting_user: User,
    patient_words: str,
    life_domain: str,
    why_it_matters: str = "",
    success_looks_like: str = "",
    target_on: datetime.date | None = None,
    status: str = GoalStatus.ACTIVE,
    from_assessment: AssessmentDomain | None = None,
) -> Goal:
    """Add a goal in the person's own words, last in their priority order."""
    plan = _lock_plan(care_plan)
    today = _today(plan)
    values = {"patient_words": patient_words, "life_domain": life_domain, "status": status}
    _check_goal_values(values)
    if status in CLOSED_GOAL_STATUSES:
        raise DomainError("A new goal is proposed or active. Mark it achieved or let go later.")
    if target_on is not None and target_on < today:
        raise DomainError("The target date is in the past. Choose a day from today on.")
    last = plan.goals.aggregate(last=Max("priority"))["last"] or 0
    goal = Goal(
        care_plan=plan,
        patient_words=patient_words.strip(),
        life_domain=life_domain,
        why_it_matters=why_it_matters.strip(),
        success_looks_like=success_looks_like.strip(),
        target_on=target_on,
        status=status,
        status_changed_on=today,
        priority=last + 1,
        from_assessment=from_assessment,
        created_by=acting_user,
        updated_by=acting_user,
    )
    _save(goal)
    _plan_changed(plan, acting_user=acting_user, summary=f"Goal added: {_quoted(goal.patient_words)}")
    return goal


def _lock_goal(goal: Goal) -> tuple[CarePlan, Goal]:
    plan = _lock_plan(goal.care_plan)
    return plan, Goal.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=goal.pk)


@transaction.atomic
def goal_update(*, goal: Goal, acting_user: User, expected_version: int, **changes: Any) -> Goal:
    """Change a goal's words, why, success, life domain, target date or status.

    `expected_version` is the goal version the edit started from; if someone saved the goal since,
    GoalEditConflict is raised and nothing changes. Achieving a goal dates it today.
    """
    unknown = set(changes) - set(GOAL_FIELDS)
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    plan, goal = _lock_goal(goal)
    if goal.version != expected_version:
        raise GoalEditConflict(goal)
    today = _today(plan)
    values = {name: getattr(goal, name) for name in GOAL_FIELDS} | changes
    _check_goal_values(values)
    target_on = values["target_on"]
    if target_on is not None and target_on != goal.target_on and target_on < today:
        raise DomainError("The target date is in the past. Choose a day from today on.")
    previous_status = goal.status
    for name, value in changes.items():
        setattr(goal, name, value.strip() if isinstance(value, str) else value)
    if goal.status != previous_status:
        goal.status_changed_on = today
        goal.achieved_on = today if goal.status == GoalStatus.ACHIEVED else None
    goal.version += 1
    goal.updated_by = acting_user
    _save(goal)
    if goal.status != previous_status:
        summary = f"Goal {_quoted(goal.patient_words)} is now {goal.get_status_display().lower()}"
    else:
        summary = f"Goal changed: {_quoted(goal.patient_words)}"
    _plan_changed(plan, acting_user=acting_user, summary=summary)
    return goal


@transaction.atomic
def goal_move(*, goal: Goal, acting_user: User, direction: str) -> Goal:
    """Move an open goal one place up or down the person's priority order, past the next open goal."""
    if direction not in ("up", "down"):
        raise DomainError("A goal moves up or down.")
    plan, goal = _lock_goal(goal)
    if goal.status in CLOSED_GOAL_STATUSES:
        raise DomainError("Only goals still being worked on are in the priority order.")
    neighbours = plan.goals.select_for_update().exclude(status__in=CLOSED_GOAL_STATUSES).exclude(pk=goal.pk)
    if direction == "up":
        other = neighbours.filter(priority__lt=goal.priority).order_by("-priority").first()
    else:
        other = neighbours.filter(priority__gt=goal.priority).order_by("priority").first()
    if other is None:
        where = "first" if direction == "up" else "last"
        raise DomainError(f"{_quoted(goal.patient_words)} is already {where}.")
    # The unique priority constraint is deferred, so the swap is checked at commit.
    goal.priority, other.priority = other.priority, goal.priority
    Goal.objects.bulk_update([goal, other], ["priority"])
    _plan_changed(
        plan, acting_user=acting_user, summary=f"Goal {_quoted(goal.patient_words)} moved {direction}"
    )
    return goal


def _step_owner(
    plan: CarePlan, owner: str, team_member_id: int | None, support_id: int | None
) -> dict[str, Any]:
    if owner not in StepOwner.values:
        raise DomainError("Say who will do this step.")
    owners: dict[str, Any] = {"owner": owner, "owner_team_member": None, "owner_support": None}
    if owner == StepOwner.TEAM_MEMBER:
        member = CareTeamMember.objects.filter(
            pk=team_member_id, enrollment_id=plan.enrollment_id, ended_on__isnull=True
        ).first()
        if member is None:
            raise DomainError("Choose who on the care team will do this step.")
        owners["owner_team_member"] = member
    elif owner == StepOwner.COMMUNITY_SUPPORT:
        support = CommunitySupport.objects.filter(
            pk=support_id, patient_id=plan.enrollment.patient_id, is_active=True
        ).first()
        if support is None:
            raise DomainError("Choose which community support will do this step.")
        owners["owner_support"] = support
    return owners


@transaction.atomic
def step_add(
    *,
    goal: Goal,
    acting_user: User,
    description: str,
    owner: str,
    owner_team_member_id: int | None = None,
    owner_support_id: int | None = None,
    due_on: datetime.date | None = None,
    from_assessment: AssessmentDomain | None = None,
) -> Step:
    """Add a next step to a goal: what, who does it, by when."""
    plan, goal = _lock_goal(goal)
    if not description.strip():
        raise DomainError("Say what the step is.")
    if goal.status in CLOSED_GOAL_STATUSES:
        raise DomainError(
            f"This goal is {goal.get_status_display().lower()}, so it takes no new steps. "
            "Add a new goal for what comes next."
        )
    if due_on is not None and due_on < _today(plan):
        raise DomainError("The step is due before today. Choose a day from today on.")
    last = goal.steps.aggregate(last=Max("position"))["last"] or 0
    step = Step(
        goal=goal,
        description=description.strip(),
        due_on=due_on,
        position=last + 1,
        from_assessment=from_assessment,
        **_step_owner(plan, owner, owner_team_member_id, owner_support_id),
    )
    _save(step)
    _plan_changed(plan, acting_user=acting_user, summary=f"Step added: {_quoted(step.description)}")
    return step


@transaction.atomic
def step_mark(*, step: Step, acting_user: User, done: bool) -> Step:
    """Mark a step done (today) or not done. Marking it twice changes nothing."""
    plan, _goal = _lock_goal(step.goal)
    step = Step.objects.select_for_update().get(pk=step.pk)
    if done == step.is_done:
        return step
    step.completed_on = _today(plan) if done else None
    _save(step, update_fields=["completed_on"])
    summary = f"Step {'done' if done else 'reopened'}: {_quoted(step.description)}"
    _plan_changed(plan, acting_user=acting_user, summary=summary)
    return step


@transaction.atomic
def care_plan_review_record(
    *, enrollment: Enrollment, acting_user: User, on: datetime.date | None = None, note: str = ""
) -> CarePlanReview:
    """Record that the active plan was gone through with the patient. Twice on one day records it once.

    A review changes no goal, so the plan's revision (used to detect conflicting edits) stays as it is.
    """
    plan = (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("enrollment__program")
        .filter(enrollment=enrollment, status=CarePlanStatus.ACTIVE)
        .first()
    )
    if plan is None:
        raise DomainError("There is no active plan to review yet.")
    on = on or plan.enrollment.program.today()
    if on < plan.started_on:
        raise DomainError("The review date is before the plan was started.")
    existing = plan.reviews.filter(reviewed_on=on).first()
    if existing is not None:
        return existing
    review = CarePlanReview(care_plan=plan, reviewed_on=on, reviewed_by=acting_user, note=note.strip())
    _save(review)
    if plan.last_reviewed_on is None or on > plan.last_reviewed_on:
        plan.last_reviewed_on = on
        plan.save(update_fields=["last_reviewed_on", "updated_at"])
    return review


@transaction.atomic
def assessment_domain_record(
    *,
    enrollment: Enrollment,
    acting_user: User,
    domain: str,
    summary: str,
    need_level: str = "",
    on: datetime.date | None = None,
) -> AssessmentDomain:
    """Record (or update) one domain of the stepwise assessment, whenever the person is ready for it.

    Substance use is always marked as 42 CFR Part 2.
    """
    enrollment = enrollment_lock_in_care(
        enrollment, refusal="The assessment can be filled in only while the person is in outreach or in care."
    )
    if domain not in AssessmentDomainKind.values:
        raise DomainError("Choose a part of the assessment.")
    if domain == AssessmentDomainKind.SUBSTANCE_USE and not can_see_part2(acting_user, enrollment):
        # 42 CFR Part 2: substance use is for the person's current care team only.
        raise PermissionDenied
    if need_level not in [*NeedLevel.values, ""]:
        raise DomainError("Choose how much need there is, or leave it blank.")
    if not summary.strip():
        raise DomainError("Write what the person told you, in a few words.")
    today = enrollment.program.today()
    on = on or today
    if on > today:
        raise DomainError("The day is in the future. Enter the day you talked about it.")
    if on < enrollment.referred_on:
        raise DomainError("The day is before the person was referred.")
    entry = AssessmentDomain.objects.select_for_update().filter(enrollment=enrollment, domain=domain).first()
    if entry is None:
        entry = AssessmentDomain(enrollment=enrollment, domain=domain)
    entry.summary = summary.strip()
    entry.need_level = need_level
    entry.assessed_on = on
    entry.assessed_by = acting_user
    entry.is_part2 = domain == AssessmentDomainKind.SUBSTANCE_USE
    _save(entry)
    return entry


@transaction.atomic
def assessment_need_to_goal(
    *,
    entry: AssessmentDomain,
    acting_user: User,
    patient_words: str,
    life_domain: str = "",
    why_it_matters: str = "",
) -> Goal:
    """Turn a need found in the assessment into a goal, in one action. Starts the plan if there is none."""
    plan = CarePlan.objects.filter(enrollment_id=entry.enrollment_id, status=CarePlanStatus.ACTIVE).first()
    if plan is None:
        plan = care_plan_start(enrollment=entry.enrollment, acting_user=acting_user)
    return goal_add(
        care_plan=plan,
        acting_user=acting_user,
        patient_words=patient_words,
        life_domain=life_domain or LIFE_DOMAIN_OF_ASSESSMENT.get(entry.domain, LifeDomain.OTHER),
        why_it_matters=why_it_matters,
        from_assessment=entry,
    )


@transaction.atomic
def assessment_need_to_step(
    *,
    entry: AssessmentDomain,
    goal: Goal,
    acting_user: User,
    description: str,
    owner: str,
    owner_team_member_id: int | None = None,
    owner_support_id: int | None = None,
    due_on: datetime.date | None = None,
) -> Step:
    """Turn a need found in the assessment into a step toward one of the person's goals."""
    if goal.care_plan.enrollment_id != entry.enrollment_id:
        raise DomainError("That goal is not in this person's plan.")
    return step_add(
        goal=goal,
        acting_user=acting_user,
        description=description,
        owner=owner,
        owner_team_member_id=owner_team_member_id,
        owner_support_id=owner_support_id,
        due_on=due_on,
        from_assessment=entry,
    )


@transaction.atomic
def plan_handout_record(
    *,
    care_plan: CarePlan,
    acting_user: User,
    revision: int,
    language: str,
    content_html: str,
    on: datetime.date | None = None,
) -> PlanHandout:
    """Keep the copy of "My Plan" handed to the person, exactly as given (date, version, language)."""
    plan = _lock_plan(care_plan)
    if language not in HandoutLanguage.values:
        raise DomainError("Choose the handout's language.")
    if revision != plan.revision:
        raise DomainError(
            f"The plan changed after this handout was made (it is now version {plan.revision}). "
            "Open the handout again so the person gets the current plan."
        )
    if not content_html.strip():
        raise DomainError("The handout is empty.")
    today = _today(plan)
    on = on or today
    if on > today:
        raise DomainError("The day it was handed over is in the future.")
    handout = PlanHandout(
        care_plan=plan,
        revision=revision,
        language=language,
        handed_on=on,
        handed_by=acting_user,
        content_html=content_html,
    )
    _save(handout)
    return handout
