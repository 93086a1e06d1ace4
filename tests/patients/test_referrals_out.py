"""Referrals out: every allowed move of a referral to another service, and every move that is refused."""

import datetime
import re

import pytest

from accounts.errors import DomainError
from patients.models import (
    CLOSED_REFERRAL_OUT_STATUSES,
    REFERRAL_OUT_TRANSITIONS,
    CommunityResource,
    Enrollment,
    ReferralOut,
    ReferralOutReason,
    ReferralOutStatus,
    ResourceCategory,
)
from patients.services import referral_out_create, referral_out_update
from patients.services.referrals_out import DEFAULT_FOLLOW_UP_DAYS

pytestmark = pytest.mark.django_db

R = ReferralOutStatus
DAY = datetime.timedelta(days=1)
# Declined and couldn't contact need a coded reason; the others take one if given.
NEEDS_REASON = frozenset({R.DECLINED, R.COULD_NOT_CONTACT})

ALLOWED = sorted((before, after) for before, afters in REFERRAL_OUT_TRANSITIONS.items() for after in afters)
# Every other move to a different status. Staying put is an update for an open referral (tested
# below) and refused for a closed one.
DISALLOWED = sorted(
    (before, after)
    for before in R
    for after in R
    if after != before and after not in REFERRAL_OUT_TRANSITIONS[before]
)


def _resource(program, name: str = "Synthetic Food Pantry", **fields: object) -> CommunityResource:
    return CommunityResource.objects.create(
        program=program, name=name, category=fields.pop("category", ResourceCategory.FOOD), **fields
    )


@pytest.fixture
def today(program) -> datetime.date:
    return program.today()


@pytest.fixture
def referred_a_month_ago(enrollment, today) -> Enrollment:
    """The enrolment, referred to us 30 days ago, so a referral out can have a history of dates."""
    Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=today - 30 * DAY)
    return Enrollment.objects.get(pk=enrollment.pk)


@pytest.fixture
def referral(referred_a_month_ago, care_manager, program, today) -> ReferralOut:
    """Sent 20 days ago to a food pantry."""
    return referral_out_create(
        enrollment=referred_a_month_ago,
        resource=_resource(program),
        acting_user=care_manager,
        reason="Needs groceries until benefits start.",
        on=today - 20 * DAY,
    )


def _move(referral: ReferralOut, status: str, *, user, on: datetime.date) -> ReferralOut:
    reason_code = ReferralOutReason.NO_RESPONSE if status in NEEDS_REASON else ""
    return referral_out_update(
        referral=referral, acting_user=user, status=status, reason_code=reason_code, on=on
    )


def _at(referral: ReferralOut, status: str, *, user, today: datetime.date) -> ReferralOut:
    """The referral moved to `status` 10 days ago (directly from sent, as every status can be)."""
    if status != R.SENT:
        _move(referral, status, user=user, on=today - 10 * DAY)
    return ReferralOut.objects.get(pk=referral.pk)


def _fields(referral: ReferralOut) -> tuple[object, ...]:
    referral = ReferralOut.objects.get(pk=referral.pk)
    return (
        referral.status,
        referral.status_changed_on,
        referral.reason_code,
        referral.outcome_note,
        referral.follow_up_on,
        referral.closed_on,
    )


class TestCreate:
    def test_a_referral_is_sent_with_a_follow_up_in_two_weeks(
        self, referred_a_month_ago, care_manager, program, today
    ) -> None:
        made = referral_out_create(
            enrollment=referred_a_month_ago,
            resource=_resource(program),
            acting_user=care_manager,
            reason="  Food for the week.  ",
        )
        stored = ReferralOut.objects.get(pk=made.pk)
        assert (stored.status, stored.referred_on, stored.status_changed_on, stored.closed_on) == (
            R.SENT,
            today,
            today,
            None,
        )
        assert stored.follow_up_on == today + DEFAULT_FOLLOW_UP_DAYS * DAY
        assert (stored.reason, stored.referred_by) == ("Food for the week.", care_manager)

    def test_a_follow_up_date_given_is_kept(self, referred_a_month_ago, care_manager, program, today) -> None:
        made = referral_out_create(
            enrollment=referred_a_month_ago,
            resource=_resource(program),
            acting_user=care_manager,
            follow_up_on=today + 3 * DAY,
        )
        assert ReferralOut.objects.get(pk=made.pk).follow_up_on == today + 3 * DAY

    def test_a_referral_in_the_future_is_refused(
        self, referred_a_month_ago, care_manager, program, today
    ) -> None:
        with pytest.raises(DomainError, match=re.escape("The referral cannot be made in the future.")):
            referral_out_create(
                enrollment=referred_a_month_ago,
                resource=_resource(program),
                acting_user=care_manager,
                on=today + DAY,
            )
        assert ReferralOut.objects.exists() is False

    def test_a_referral_before_the_person_was_referred_to_us_is_refused(
        self, referred_a_month_ago, care_manager, program, today
    ) -> None:
        with pytest.raises(DomainError, match=re.escape("before the person was referred to us")):
            referral_out_create(
                enrollment=referred_a_month_ago,
                resource=_resource(program),
                acting_user=care_manager,
                on=today - 31 * DAY,
            )
        assert ReferralOut.objects.exists() is False

    def test_a_follow_up_before_the_referral_is_refused(
        self, referred_a_month_ago, care_manager, program, today
    ) -> None:
        with pytest.raises(
            DomainError, match=re.escape("The follow-up date is before the referral was made.")
        ):
            referral_out_create(
                enrollment=referred_a_month_ago,
                resource=_resource(program),
                acting_user=care_manager,
                follow_up_on=today - DAY,
            )
        assert ReferralOut.objects.exists() is False

    def test_a_service_of_another_program_is_refused(
        self, referred_a_month_ago, care_manager, other_program
    ) -> None:
        with pytest.raises(DomainError, match=re.escape("Choose a service from this program's directory.")):
            referral_out_create(
                enrollment=referred_a_month_ago, resource=_resource(other_program), acting_user=care_manager
            )
        assert ReferralOut.objects.exists() is False

    def test_a_service_no_longer_offered_is_refused(
        self, referred_a_month_ago, care_manager, program
    ) -> None:
        with pytest.raises(DomainError, match=re.escape("Choose a service from this program's directory.")):
            referral_out_create(
                enrollment=referred_a_month_ago,
                resource=_resource(program, is_active=False),
                acting_user=care_manager,
            )
        assert ReferralOut.objects.exists() is False


class TestTransitions:
    @pytest.mark.parametrize(("before", "after"), ALLOWED)
    def test_every_allowed_move_is_stored(self, referral, care_manager, today, before, after) -> None:
        referral = _at(referral, before, user=care_manager, today=today)
        moved_on = today - 2 * DAY
        reason_code = ReferralOutReason.WAITLIST if after in NEEDS_REASON else ""

        referral_out_update(
            referral=referral,
            acting_user=care_manager,
            status=after,
            reason_code=reason_code,
            outcome_note="Called the service together.",
            follow_up_on=today + 5 * DAY,
            on=moved_on,
        )

        closes = after in CLOSED_REFERRAL_OUT_STATUSES
        assert _fields(referral) == (
            after,
            moved_on,
            reason_code,
            "Called the service together.",
            None if closes else today + 5 * DAY,
            moved_on if closes else None,
        )

    @pytest.mark.parametrize(("before", "after"), DISALLOWED)
    def test_every_other_move_is_refused_and_nothing_changes(
        self, referral, care_manager, today, before, after
    ) -> None:
        referral = _at(referral, before, user=care_manager, today=today)
        unchanged = _fields(referral)

        with pytest.raises(DomainError) as refusal:
            referral_out_update(
                referral=referral,
                acting_user=care_manager,
                status=after,
                reason_code=ReferralOutReason.OTHER,
                follow_up_on=today + 5 * DAY,
            )

        assert refusal.value.message == (
            f"A referral that is “{R(before).label.lower()}” cannot become “{R(after).label.lower()}”."
        )
        assert _fields(referral) == unchanged

    @pytest.mark.parametrize("status", sorted(CLOSED_REFERRAL_OUT_STATUSES))
    def test_a_closed_referral_cannot_be_saved_again_in_the_same_status(
        self, referral, care_manager, today, status
    ) -> None:
        referral = _at(referral, status, user=care_manager, today=today)
        unchanged = _fields(referral)

        with pytest.raises(DomainError, match=re.escape("This referral is already closed as")):
            referral_out_update(
                referral=referral,
                acting_user=care_manager,
                status=status,
                reason_code=ReferralOutReason.OTHER,
            )

        assert _fields(referral) == unchanged

    def test_the_message_for_couldnt_contact_says_how_to_try_again(
        self, referral, care_manager, today
    ) -> None:
        referral = _at(referral, R.COULD_NOT_CONTACT, user=care_manager, today=today)
        with pytest.raises(DomainError) as refusal:
            referral_out_update(
                referral=referral, acting_user=care_manager, status=R.COULD_NOT_CONTACT, reason_code="other"
            )
        assert refusal.value.message == (
            "This referral is already closed as “couldn't contact”. To try again, mark it as sent."
        )

    @pytest.mark.parametrize("status", [R.SENT, R.ACCEPTED, R.IN_PROGRESS])
    def test_an_open_referral_can_stay_put_with_a_note_and_a_new_follow_up(
        self, referral, care_manager, today, status
    ) -> None:
        referral = _at(referral, status, user=care_manager, today=today)
        changed_on = referral.status_changed_on

        referral_out_update(
            referral=referral,
            acting_user=care_manager,
            status=status,
            outcome_note="Left a message.",
            follow_up_on=today + 3 * DAY,
        )

        assert _fields(referral) == (status, changed_on, "", "Left a message.", today + 3 * DAY, None)

    @pytest.mark.parametrize("status", sorted(NEEDS_REASON))
    def test_declined_or_couldnt_contact_without_a_reason_is_refused(
        self, referral, care_manager, status
    ) -> None:
        unchanged = _fields(referral)
        with pytest.raises(DomainError, match=re.escape("Say why, with one of the reasons.")):
            referral_out_update(referral=referral, acting_user=care_manager, status=status)
        assert _fields(referral) == unchanged

    def test_an_update_dated_in_the_future_is_refused(self, referral, care_manager, today) -> None:
        unchanged = _fields(referral)
        with pytest.raises(DomainError, match=re.escape("The date is in the future.")):
            referral_out_update(
                referral=referral, acting_user=care_manager, status=R.ACCEPTED, on=today + DAY
            )
        assert _fields(referral) == unchanged

    def test_an_update_dated_before_the_last_one_is_refused(self, referral, care_manager, today) -> None:
        _move(referral, R.ACCEPTED, user=care_manager, on=today - 5 * DAY)
        unchanged = _fields(referral)
        with pytest.raises(DomainError, match=re.escape("The date is before the referral's last update.")):
            referral_out_update(
                referral=referral, acting_user=care_manager, status=R.IN_PROGRESS, on=today - 6 * DAY
            )
        assert _fields(referral) == unchanged

    def test_an_update_dated_before_the_referral_is_refused(self, referral, care_manager, today) -> None:
        with pytest.raises(DomainError, match=re.escape("The date is before the referral was made.")):
            referral_out_update(
                referral=referral, acting_user=care_manager, status=R.ACCEPTED, on=today - 21 * DAY
            )
        assert ReferralOut.objects.get(pk=referral.pk).status == R.SENT

    def test_a_next_follow_up_before_the_update_is_refused(self, referral, care_manager, today) -> None:
        unchanged = _fields(referral)
        with pytest.raises(DomainError, match=re.escape("The next follow-up is before today's update.")):
            referral_out_update(
                referral=referral, acting_user=care_manager, status=R.ACCEPTED, follow_up_on=today - DAY
            )
        assert _fields(referral) == unchanged

    @pytest.mark.parametrize(("field", "value"), [("status", "lost"), ("reason_code", "too_far")])
    def test_unknown_values_are_refused(self, referral, care_manager, field, value) -> None:
        arguments = {"status": R.ACCEPTED, "reason_code": ""} | {field: value}
        unchanged = _fields(referral)
        with pytest.raises(DomainError):
            referral_out_update(referral=referral, acting_user=care_manager, **arguments)
        assert _fields(referral) == unchanged

    def test_an_update_moves_a_follow_up_that_was_due_two_weeks_on(
        self, referral, care_manager, today
    ) -> None:
        ReferralOut.objects.filter(pk=referral.pk).update(follow_up_on=today - DAY)
        referral_out_update(referral=referral, acting_user=care_manager, status=R.ACCEPTED)
        assert ReferralOut.objects.get(pk=referral.pk).follow_up_on == today + DEFAULT_FOLLOW_UP_DAYS * DAY

    def test_an_update_keeps_a_follow_up_still_ahead(self, referral, care_manager, today) -> None:
        ReferralOut.objects.filter(pk=referral.pk).update(follow_up_on=today + 4 * DAY)
        referral_out_update(referral=referral, acting_user=care_manager, status=R.ACCEPTED)
        assert ReferralOut.objects.get(pk=referral.pk).follow_up_on == today + 4 * DAY

    def test_sending_again_after_no_contact_reopens_it_with_a_new_follow_up(
        self, referral, care_manager, today
    ) -> None:
        _move(referral, R.COULD_NOT_CONTACT, user=care_manager, on=today - 3 * DAY)
        referral_out_update(referral=referral, acting_user=care_manager, status=R.SENT)
        assert _fields(referral) == (R.SENT, today, "", "", today + DEFAULT_FOLLOW_UP_DAYS * DAY, None)
