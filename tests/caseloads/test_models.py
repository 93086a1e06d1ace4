"""Caseload status rules that the database enforces."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from caseloads.models import CaseloadStatus, IntensityLevel
from tests.accounts.factories import UserFactory
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db


class TestCaseloadStatusOverride:
    @pytest.mark.parametrize(
        ("with_reason", "with_end_date", "with_who"),
        [
            pytest.param(False, True, True, id="no-reason"),
            pytest.param(True, False, True, id="no-end-date"),
            pytest.param(True, True, False, id="no-author"),
            pytest.param(False, False, True, id="author-only"),
        ],
    )
    def test_an_override_carries_who_why_and_until_when(
        self, with_reason: bool, with_end_date: bool, with_who: bool
    ) -> None:
        status = CaseloadStatusFactory(recommended_level=IntensityLevel.MEDIUM)
        supervisor = UserFactory(program=status.enrollment.program, role=Role.SUPERVISOR)

        with (
            pytest.raises(IntegrityError, match="caseload_status_override_has_reason_and_end"),
            transaction.atomic(),
        ):
            CaseloadStatus.objects.filter(pk=status.pk).update(
                current_level=IntensityLevel.HIGH,
                override_reason="Just lost housing" if with_reason else "",
                override_until=datetime.date(2025, 6, 1) if with_end_date else None,
                override_by=supervisor if with_who else None,
            )

        status.refresh_from_db()
        assert (
            status.current_level,
            status.override_reason,
            status.override_until,
            status.override_by_id,
        ) == (
            IntensityLevel.MEDIUM,
            "",
            None,
            None,
        )

    def test_a_complete_override_is_stored(self) -> None:
        status = CaseloadStatusFactory(recommended_level=IntensityLevel.MEDIUM)
        supervisor = UserFactory(program=status.enrollment.program, role=Role.SUPERVISOR)

        CaseloadStatus.objects.filter(pk=status.pk).update(
            current_level=IntensityLevel.HIGH,
            override_reason="Just lost housing",
            override_until=datetime.date(2025, 6, 1),
            override_by=supervisor,
        )

        status.refresh_from_db()
        assert (status.current_level, status.is_override) == (IntensityLevel.HIGH, True)

    def test_an_unknown_level_is_refused(self) -> None:
        status = CaseloadStatusFactory(recommended_level=IntensityLevel.LOW)

        with pytest.raises(IntegrityError, match="caseload_status_levels_valid"), transaction.atomic():
            CaseloadStatus.objects.filter(pk=status.pk).update(current_level="extreme")

        status.refresh_from_db()
        assert status.current_level == IntensityLevel.LOW


@pytest.mark.parametrize(
    ("current", "recommended", "step"),
    [
        ("low", "medium", "step up"),
        ("low", "high", "step up"),
        ("medium", "high", "step up"),
        ("high", "medium", "step down"),
        ("high", "low", "step down"),
        ("medium", "low", "step down"),
        ("medium", "medium", ""),
    ],
)
def test_the_step_suggestion_goes_from_the_teams_level_to_the_recommended_one(
    current: str, recommended: str, step: str
) -> None:
    assert CaseloadStatus(current_level=current, recommended_level=recommended).step_suggestion == step
