"""The audit trail: every change to a tracked row is recorded by a trigger, and nothing rewrites it."""

import pytest
from django.apps import apps
from django.db import ProgrammingError, connection, transaction

from accounts.models import User
from patients.models import AccessAction, AccessEvent, Enrollment, Patient
from patients.services import access_event_record
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

APPEND_ONLY = "pgtrigger: Cannot update or delete rows from"


def _patient_events(patient: Patient, label: str) -> list[tuple[str, str]]:
    event_model = apps.get_model("patients", "PatientEvent")
    return list(
        event_model.objects.filter(pgh_obj_id=patient.pk, pgh_label=label)
        .order_by("pgh_id")
        .values_list("pgh_label", "preferred_name")
    )


class TestPatientHistory:
    def test_the_event_model_is_reachable_from_the_tracked_model(self) -> None:
        assert Patient.pgh_event_model is apps.get_model("patients", "PatientEvent")

    def test_creating_a_patient_records_an_insert_event(self) -> None:
        patient = PatientFactory(preferred_name="Quill")

        assert _patient_events(patient, "insert") == [("insert", "Quill")]

    def test_a_bulk_queryset_update_is_recorded_for_every_row(self) -> None:
        first = PatientFactory(preferred_name="")
        second = PatientFactory(program=first.program, preferred_name="")
        untouched = PatientFactory(program=first.program, preferred_name="")

        Patient.objects.filter(pk__in=[first.pk, second.pk]).update(preferred_name="Marni")

        assert _patient_events(first, "update") == [("update", "Marni")]
        assert _patient_events(second, "update") == [("update", "Marni")]
        assert _patient_events(untouched, "update") == []

    def test_a_raw_sql_update_is_recorded(self) -> None:
        patient = PatientFactory(preferred_name="")

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE patients_patient SET preferred_name = %s WHERE id = %s", ["Torv", patient.pk]
            )

        assert _patient_events(patient, "update") == [("update", "Torv")]

    def test_an_update_that_changes_nothing_records_nothing(self) -> None:
        patient = PatientFactory(preferred_name="Zeph")

        Patient.objects.filter(pk=patient.pk).update(preferred_name="Zeph")

        assert _patient_events(patient, "update") == []

    def test_a_deleted_patient_leaves_a_delete_event(self) -> None:
        patient = PatientFactory(preferred_name="Osb")
        patient_id = patient.pk

        Patient.objects.filter(pk=patient_id).delete()

        event_model = apps.get_model("patients", "PatientEvent")
        assert list(
            event_model.objects.filter(pgh_obj_id=patient_id)
            .order_by("pgh_id")
            .values_list("pgh_label", flat=True)
        ) == ["insert", "delete"]


class TestEventsAreAppendOnly:
    def test_an_event_row_cannot_be_updated(self) -> None:
        patient = PatientFactory(preferred_name="Quill")
        event_model = apps.get_model("patients", "PatientEvent")

        with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
            event_model.objects.filter(pgh_obj_id=patient.pk).update(preferred_name="Forged")

        assert _patient_events(patient, "insert") == [("insert", "Quill")]

    def test_an_event_row_cannot_be_deleted(self) -> None:
        patient = PatientFactory(preferred_name="Quill")
        event_model = apps.get_model("patients", "PatientEvent")

        with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
            event_model.objects.filter(pgh_obj_id=patient.pk).delete()

        assert _patient_events(patient, "insert") == [("insert", "Quill")]

    def test_an_event_row_cannot_be_deleted_with_raw_sql(self) -> None:
        patient = PatientFactory(preferred_name="Quill")

        with (
            pytest.raises(ProgrammingError, match=APPEND_ONLY),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM patients_patientevent WHERE pgh_obj_id = %s", [patient.pk])

        assert _patient_events(patient, "insert") == [("insert", "Quill")]

    def test_every_event_table_is_protected_by_an_append_only_trigger(self) -> None:
        event_tables = sorted(
            model._meta.db_table
            for app_label in ("accounts", "patients", "careplans", "engagement", "caseloads")
            for model in apps.get_app_config(app_label).get_models()
            if hasattr(model, "pgh_tracked_model")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT c.relname
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE t.tgname LIKE 'pgtrigger_append_only_%%' AND t.tgenabled <> 'D'
                """
            )
            protected = {row[0] for row in cursor.fetchall()}

        assert len(event_tables) >= 20
        assert [table for table in event_tables if table not in protected] == []


class TestAccessEvents:
    def test_recording_an_access_writes_who_whose_and_through_which_route(
        self, care_manager: User, enrollment: Enrollment
    ) -> None:
        access_event_record(
            user=care_manager,
            patient=enrollment.patient,
            enrollment=enrollment,
            route="patients:enrollment-detail",
            object_type="enrollment",
            object_id=enrollment.pk,
        )

        assert list(
            AccessEvent.objects.values_list(
                "user_id", "patient_id", "enrollment_id", "action", "route", "object_type", "object_id"
            )
        ) == [
            (
                care_manager.pk,
                enrollment.patient_id,
                enrollment.pk,
                AccessAction.VIEW,
                "patients:enrollment-detail",
                "enrollment",
                enrollment.pk,
            )
        ]

    def test_a_long_route_is_cut_to_fit(self, care_manager: User, enrollment: Enrollment) -> None:
        event = access_event_record(
            user=care_manager, patient=enrollment.patient, route="/x" * 150, action=AccessAction.EXPORT
        )

        event.refresh_from_db()
        assert (len(event.route), event.action) == (200, AccessAction.EXPORT)

    def test_an_access_event_cannot_be_updated(self, care_manager: User, enrollment: Enrollment) -> None:
        event = access_event_record(
            user=care_manager, patient=enrollment.patient, route="patients:patient-detail"
        )

        with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
            AccessEvent.objects.filter(pk=event.pk).update(route="nowhere")

        assert list(AccessEvent.objects.values_list("pk", "route")) == [(event.pk, "patients:patient-detail")]

    def test_an_access_event_cannot_be_deleted(self, care_manager: User, enrollment: Enrollment) -> None:
        event = access_event_record(
            user=care_manager, patient=enrollment.patient, route="patients:patient-detail"
        )

        with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
            AccessEvent.objects.filter(pk=event.pk).delete()

        assert list(AccessEvent.objects.values_list("pk", flat=True)) == [event.pk]
