"""Filters of the patients and referrals lists (django-filter): the narrowing a synced system needs."""

from django_filters import rest_framework as filters

from patients.models import EnrollmentStatus, Patient, Referral, ReferralSource, Urgency


class PatientFilter(filters.FilterSet):
    mrn = filters.CharFilter(help_text="The medical record number, exactly.")
    date_of_birth = filters.DateFilter()

    class Meta:
        model = Patient
        fields = ["mrn", "date_of_birth", "preferred_language", "needs_interpreter"]


class ReferralFilter(filters.FilterSet):
    enrollment_status = filters.MultipleChoiceFilter(
        field_name="enrollment__status",
        choices=EnrollmentStatus.choices,
        help_text="The stage of the enrolment; `referred` and `screening` are the referral queue.",
    )
    patient = filters.NumberFilter(field_name="enrollment__patient_id")
    source = filters.ChoiceFilter(choices=ReferralSource.choices)
    urgency = filters.ChoiceFilter(choices=Urgency.choices)
    is_screened = filters.BooleanFilter(field_name="screened_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Referral
        fields = ["enrollment", "enrollment_status", "patient", "source", "urgency", "is_screened"]
