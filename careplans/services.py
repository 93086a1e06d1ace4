"""Every change to care plans, goals and steps goes through a function here."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import User
from careplans.models import CarePlan, CarePlanReview, CarePlanStatus


@transaction.atomic
def care_plan_review_record(
    *, care_plan: CarePlan, acting_user: User, on: datetime.date | None = None, note: str = ""
) -> CarePlanReview:
    """Record that the plan was gone through with the patient. Clicking twice on one day records it once.

    A review changes no goal, so the plan's revision (used to detect conflicting edits) stays as it is.
    """
    plan = CarePlan.objects.select_for_update().select_related("enrollment__program").get(pk=care_plan.pk)
    on = on or plan.enrollment.program.local_date(timezone.now())
    if plan.status != CarePlanStatus.ACTIVE:
        raise DomainError("Only the active plan can be reviewed with the patient.")
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
