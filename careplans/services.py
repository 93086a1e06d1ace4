"""Every change to care plans, goals and steps goes through a function here."""

import datetime

from django.db import transaction

from accounts.errors import DomainError
from accounts.models import User
from careplans.models import CarePlan, CarePlanReview, CarePlanStatus
from patients.models import Enrollment


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
    review.full_clean()
    review.save()
    if plan.last_reviewed_on is None or on > plan.last_reviewed_on:
        plan.last_reviewed_on = on
        plan.save(update_fields=["last_reviewed_on", "updated_at"])
    return review
