"""Every model that holds patient data has an append-only change history."""

import pytest
from django.apps import apps

AUDITED_APPS = ("patients", "careplans", "engagement", "caseloads")
# Reference data and derived figures with no patient in them, and the access log (itself append-only).
NOT_PATIENT_DATA = {
    "patients.AccessEvent",
    "patients.CommunityResource",
    "patients.ScreeningQuestion",
    "engagement.PeerGroup",
    "caseloads.CaseloadSnapshot",
    # An enrolment id and a time: "recompute this row", deleted once done.
    "caseloads.CaseloadRecomputeRequest",
    # Outcome figures worked out every hour from tracked rows (caseloads.outcomes_refresh); never edited.
    "caseloads.OutcomeRefresh",
    "caseloads.OutcomeEpisode",
    "caseloads.OutcomeEvent",
}


def _tracked_models() -> list[str]:
    names = []
    for app_label in AUDITED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            label = f"{app_label}.{model.__name__}"
            # pghistory's generated event models carry pgh_* fields.
            is_event_model = "pgh_label" in {field.name for field in model._meta.fields}
            if is_event_model or label in NOT_PATIENT_DATA or model._meta.auto_created:
                continue
            names.append(label)
    return names


@pytest.mark.parametrize("label", _tracked_models())
def test_patient_data_model_has_an_append_only_history(label: str) -> None:
    model = apps.get_model(label)
    event_model = getattr(model, "pgh_event_model", None)
    assert event_model is not None, f"{label} is not tracked by pghistory: add @pghistory.track()"
    trigger_names = {trigger.name for trigger in event_model._meta.triggers}
    assert "append_only" in trigger_names
    tracked_triggers = {trigger.name for trigger in model._meta.triggers}
    assert {"insert_insert", "update_update", "delete_delete"} <= tracked_triggers
