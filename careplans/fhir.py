"""FHIR R4 shapes of care plans, goals (in the patient's words) and steps (Task), as plain dicts.

A goal or step is 42 CFR Part 2 content when it came of a Part 2 assessment domain (a step also
when its goal did), as on the graduation handoff; callers decide whether it may leave at all.
"""

from django.db.models import Q

from careplans.models import CLOSED_GOAL_STATUSES, CarePlan, CarePlanStatus, Goal, GoalStatus, Step, StepOwner
from patients.fhir import (
    STRUCTURE_DEFINITION,
    Resource,
    coding,
    compact,
    instant,
    meta,
    patient_reference,
    practitioner,
    reference,
    status_extension,
)

GOAL_RANK_EXTENSION = f"{STRUCTURE_DEFINITION}goal-rank"

CARE_PLAN_STATUS = {
    CarePlanStatus.DRAFT: "draft",
    CarePlanStatus.ACTIVE: "active",
    # FHIR's "revoked" covers a plan ended because a new plan replaced it.
    CarePlanStatus.SUPERSEDED: "revoked",
}
GOAL_LIFECYCLE_STATUS = {
    GoalStatus.PROPOSED: "proposed",
    GoalStatus.ACTIVE: "active",
    GoalStatus.PAUSED: "on-hold",
    GoalStatus.ACHIEVED: "completed",
    GoalStatus.LET_GO: "cancelled",
}
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"

# The SQL form of "is Part 2 content", for searches that must leave withheld rows out of `total`.
GOAL_PART2 = Q(from_assessment__is_part2=True)
STEP_PART2 = Q(from_assessment__is_part2=True) | Q(goal__from_assessment__is_part2=True)


def goal_is_part2(goal: Goal) -> bool:
    return goal.from_assessment is not None and goal.from_assessment.is_part2


def step_is_part2(step: Step) -> bool:
    return (step.from_assessment is not None and step.from_assessment.is_part2) or goal_is_part2(step.goal)


def care_plan_resource(plan: CarePlan, *, goals: list[Goal]) -> Resource:
    """`goals` are the plan's goals that may leave with it (Part 2 ones only with consent)."""
    enrollment = plan.enrollment
    patient = enrollment.patient
    return compact(
        {
            "resourceType": "CarePlan",
            "id": str(plan.pk),
            "meta": meta(plan.updated_at),
            "extension": [status_extension(plan.status)],
            "status": CARE_PLAN_STATUS[CarePlanStatus(plan.status)],
            "intent": "plan",
            "title": "My Plan",
            "subject": patient_reference(patient),
            "period": {"start": plan.started_on.isoformat()},
            "created": instant(plan.created_at),
            "author": practitioner(plan.created_by),
            # The plan is made with the person: they are a contributor, as is whoever wrote it down.
            "contributor": [
                patient_reference(patient),
                practitioner(plan.created_by),
            ],
            "careTeam": [reference("CareTeam", enrollment.pk)],
            "supportingInfo": [reference("EpisodeOfCare", enrollment.pk)],
            "goal": [reference("Goal", goal.pk) for goal in goals],
            "note": [
                {"text": f"Made with: {plan.co_created_with}"} if plan.co_created_with else None,
                {"text": f"Made at: {plan.co_created_where}"} if plan.co_created_where else None,
                {"text": f"Last reviewed with the person on {plan.last_reviewed_on.isoformat()}"}
                if plan.last_reviewed_on
                else None,
            ],
        }
    )


def goal_resource(goal: Goal) -> Resource:
    """The goal in the patient's own words; `priority` carries the patient's rank (1 matters most)
    as its text and as the goal-rank extension."""
    plan = goal.care_plan
    patient = plan.enrollment.patient
    subject = patient_reference(patient)
    return compact(
        {
            "resourceType": "Goal",
            "id": str(goal.pk),
            "meta": meta(goal.updated_at),
            "extension": [status_extension(goal.status)],
            "lifecycleStatus": GOAL_LIFECYCLE_STATUS[GoalStatus(goal.status)],
            "achievementStatus": {
                "coding": [{"system": GOAL_ACHIEVEMENT, "code": "achieved", "display": "Achieved"}]
            }
            if goal.status == GoalStatus.ACHIEVED
            else None,
            "category": [
                {"coding": [coding("life-domain", goal.life_domain, goal.get_life_domain_display())]}
            ],
            "priority": {
                "extension": [{"url": GOAL_RANK_EXTENSION, "valueInteger": goal.priority}],
                "text": str(goal.priority),
            },
            "description": {"text": goal.patient_words},
            "subject": subject,
            "startDate": plan.enrollment.program.local_date(goal.created_at).isoformat(),
            "target": [{"dueDate": goal.target_on.isoformat()}] if goal.target_on else None,
            "statusDate": goal.status_changed_on.isoformat(),
            "expressedBy": subject,
            "note": [
                {"text": f"How the team puts it: {goal.team_framing}"} if goal.team_framing else None,
                {"text": f"Why it matters: {goal.why_it_matters}"} if goal.why_it_matters else None,
                {"text": f"Success looks like: {goal.success_looks_like}"}
                if goal.success_looks_like
                else None,
                {"text": f"Achieved on {goal.achieved_on.isoformat()}"} if goal.achieved_on else None,
            ],
        }
    )


def _step_status(step: Step) -> str:
    if step.completed_on is not None:
        return "completed"
    if step.goal.status in CLOSED_GOAL_STATUSES:
        return "cancelled"
    return "ready"


def _step_owner(step: Step) -> dict[str, str] | None:
    patient = step.goal.care_plan.enrollment.patient
    if step.owner == StepOwner.PATIENT:
        return patient_reference(patient)
    if step.owner == StepOwner.TEAM_MEMBER and step.owner_team_member is not None:
        member = step.owner_team_member
        return practitioner(member.user) if member.user_id is not None else {"display": member.name}
    if step.owner == StepOwner.COMMUNITY_SUPPORT and step.owner_support is not None:
        return reference("RelatedPerson", step.owner_support.pk, step.owner_support.name)
    return {"display": step.get_owner_display()}


def task_resource(step: Step) -> Resource:
    """A step toward a goal: what, who does it (`owner`), by when (`restriction.period.end`)."""
    goal = step.goal
    plan = goal.care_plan
    patient = plan.enrollment.patient
    return compact(
        {
            "resourceType": "Task",
            "id": str(step.pk),
            "meta": meta(step.updated_at),
            "basedOn": [reference("CarePlan", plan.pk)],
            "status": _step_status(step),
            "intent": "plan",
            "description": step.description,
            "focus": reference("Goal", goal.pk),
            "for": patient_reference(patient),
            "executionPeriod": {"end": instant(step.completed_on)},
            "authoredOn": instant(step.created_at),
            "lastModified": instant(step.updated_at),
            "owner": _step_owner(step),
            "restriction": {"period": {"end": instant(step.due_on)}},
        }
    )
