from django.urls import path

from caseloads import (
    assessment_views,
    balancing_views,
    dashboard_views,
    graduation_views,
    handout_views,
    intake_views,
    level_views,
    outcomes_views,
    peer_views,
    plan_views,
    settings_views,
    utilisation_views,
    views,
    worklist_views,
)

app_name = "caseloads"

RECORD = "patients/<int:patient_id>/"
PLAN = f"{RECORD}plan/"

urlpatterns = [
    path("caseload/", views.my_caseload, name="my-caseload"),
    path(RECORD, views.patient_record, name="patient-record"),
    path(f"{RECORD}timeline/", views.timeline, name="timeline"),
    path(f"{RECORD}preferences/", views.care_preferences_update, name="care-preferences-update"),
    path(f"{RECORD}contacts/", views.contact_create, name="contact-create"),
    path(f"{RECORD}entries/<slug:kind>/", views.entry_create, name="entry-create"),
    path(f"{RECORD}supports/<int:support_id>/", views.support_update, name="support-update"),
    path(f"{RECORD}supports/<int:support_id>/end/", views.support_end, name="support-end"),
    path(f"{RECORD}care-team/", views.care_team_member_create, name="care-team-member-create"),
    path(f"{RECORD}care-team/<int:member_id>/end/", views.care_team_member_end, name="care-team-member-end"),
    # The team's decision on the level of care; the card fetches itself while a recompute is waiting.
    path(f"{RECORD}level-of-care/", level_views.level_of_care, name="level-of-care"),
    path(f"{RECORD}level-of-care/accept/", level_views.level_of_care_accept, name="level-of-care-accept"),
    path(
        f"{RECORD}level-of-care/override/", level_views.level_of_care_override, name="level-of-care-override"
    ),
    path(f"{RECORD}level-of-care/phase/", level_views.level_of_care_phase, name="level-of-care-phase"),
    # The care plan, co-created with the patient.
    path(PLAN, plan_views.care_plan, name="care-plan"),
    path(f"{PLAN}start/", plan_views.care_plan_start, name="care-plan-start"),
    path(f"{PLAN}details/", plan_views.care_plan_details, name="care-plan-details"),
    path(f"{PLAN}reviewed/", views.care_plan_reviewed, name="care-plan-reviewed"),
    path(f"{PLAN}goals/", plan_views.goal_create, name="goal-create"),
    path(f"{PLAN}goals/<int:goal_id>/", plan_views.goal_update, name="goal-update"),
    path(f"{PLAN}goals/<int:goal_id>/move/", plan_views.goal_move, name="goal-move"),
    path(f"{PLAN}goals/<int:goal_id>/steps/", plan_views.step_create, name="step-create"),
    path(f"{PLAN}steps/<int:step_id>/done/", plan_views.step_mark, name="step-mark"),
    path(f"{PLAN}versions/", plan_views.care_plan_versions, name="care-plan-versions"),
    path(f"{PLAN}versions/<int:revision>/", plan_views.care_plan_version, name="care-plan-version"),
    # "My Plan", the patient's own copy.
    path(f"{PLAN}print/", handout_views.plan_handout, name="plan-handout"),
    path(f"{PLAN}print.pdf", handout_views.plan_handout_pdf, name="plan-handout-pdf"),
    path(f"{PLAN}print/handed-over/", handout_views.plan_handout_record, name="plan-handout-record"),
    path(f"{PLAN}handouts/<int:handout_id>/", handout_views.plan_handout_copy, name="plan-handout-copy"),
    # The stepwise assessment over the first 30 days.
    path(f"{RECORD}assessment/", assessment_views.assessment, name="assessment"),
    path(f"{RECORD}assessment/<slug:domain>/", assessment_views.assessment_domain, name="assessment-domain"),
    path(f"{RECORD}assessment/<slug:domain>/goal/", assessment_views.assessment_goal, name="assessment-goal"),
    path(f"{RECORD}assessment/<slug:domain>/step/", assessment_views.assessment_step, name="assessment-step"),
    # Intake: screening a referral for fit; referrals out to other services.
    path(f"{RECORD}screening/", intake_views.screening, name="screening"),
    path(f"{RECORD}referrals-out/", intake_views.referral_out_create, name="referral-out-create"),
    path(
        f"{RECORD}referrals-out/<int:referral_out_id>/",
        intake_views.referral_out_update,
        name="referral-out-update",
    ),
    path("referrals/worklists/", worklist_views.intake_worklists, name="intake-worklists"),
    # Utilisation (claims) data: ED visits and admissions that feed the candidate list.
    path("referrals/utilisation/", utilisation_views.utilisation_import, name="utilisation-import"),
    path(
        "referrals/utilisation/template.csv",
        utilisation_views.utilisation_import_template,
        name="utilisation-import-template",
    ),
    path(
        "referrals/utilisation/<int:import_id>/",
        utilisation_views.utilisation_import_preview,
        name="utilisation-import-preview",
    ),
    # Program settings (program admins).
    path("settings/", settings_views.program_settings, name="settings"),
    path("settings/program/", settings_views.settings_program, name="settings-program"),
    path("settings/intensity/", settings_views.settings_intensity, name="settings-intensity"),
    path("settings/graduation/", settings_views.settings_graduation, name="settings-graduation"),
    path("settings/teams/", settings_views.settings_team_create, name="settings-team-create"),
    path(
        "settings/teams/<int:team_id>/members/",
        settings_views.settings_team_member_add,
        name="settings-team-member-add",
    ),
    path(
        "settings/teams/<int:team_id>/members/<int:user_id>/remove/",
        settings_views.settings_team_member_remove,
        name="settings-team-member-remove",
    ),
    path(
        "settings/people/<int:user_id>/", settings_views.settings_person_update, name="settings-person-update"
    ),
    path(
        "settings/screening-questions/",
        settings_views.settings_question_create,
        name="settings-question-create",
    ),
    path(
        "settings/screening-questions/<int:question_id>/",
        settings_views.settings_question_update,
        name="settings-question-update",
    ),
    path("settings/api-tokens/", settings_views.settings_api_token_create, name="settings-api-token-create"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        settings_views.settings_api_token_revoke,
        name="settings-api-token-revoke",
    ),
    path("program/", views.program_overview, name="program-overview"),
    # Supervisors: the team dashboard, one care manager's caseload review and weekly supervision.
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/care-managers/<int:user_id>/", dashboard_views.caseload_review, name="caseload-review"),
    path(
        "dashboard/care-managers/<int:user_id>/decisions/<int:enrollment_id>/",
        dashboard_views.supervision_decision_fields,
        name="supervision-decision-fields",
    ),
    path(
        "dashboard/care-managers/<int:user_id>/supervision/",
        dashboard_views.supervision_session_create,
        name="supervision-session-create",
    ),
    path(
        "dashboard/supervision/<int:session_id>/",
        dashboard_views.supervision_session,
        name="supervision-session",
    ),
    # Balancing: proposed moves that even out intensity-weighted load across a team.
    path("dashboard/teams/<int:team_id>/balance/", balancing_views.balancing, name="balancing"),
    # Graduation back to usual primary care, the handoff, the certificate and the check-ins after it.
    path(f"{RECORD}graduation/", graduation_views.graduation, name="graduation"),
    path(f"{RECORD}graduation/handoff/", graduation_views.handoff_summary, name="graduation-handoff"),
    path(
        f"{RECORD}graduation/handoff.pdf", graduation_views.handoff_summary_pdf, name="graduation-handoff-pdf"
    ),
    path(f"{RECORD}graduation/certificate/", graduation_views.certificate, name="graduation-certificate"),
    path(
        f"{RECORD}graduation/certificate.pdf",
        graduation_views.certificate_pdf,
        name="graduation-certificate-pdf",
    ),
    path(
        f"{RECORD}graduation/follow-ups/<int:follow_up_id>/",
        graduation_views.follow_up_record,
        name="graduation-follow-up",
    ),
    path(f"{RECORD}re-enrol/", graduation_views.re_enrol, name="re-enrol"),
    # Peer support: groups and mentors, and each person's peer connections.
    path("peer-support/", peer_views.peer_support, name="peer-support"),
    path("peer-support/groups/<int:group_id>/", peer_views.peer_group_update, name="peer-group-update"),
    path("peer-support/mentors/<int:mentor_id>/", peer_views.peer_mentor_update, name="peer-mentor-update"),
    path(f"{RECORD}peer-support/", peer_views.peer_connection_create, name="peer-connection-create"),
    path(
        f"{RECORD}peer-support/<int:connection_id>/contacts/",
        peer_views.peer_contact_create,
        name="peer-contact-create",
    ),
    path(
        f"{RECORD}peer-support/<int:connection_id>/end/",
        peer_views.peer_connection_end,
        name="peer-connection-end",
    ),
    # Program outcomes for program leads and admins, each table downloadable as CSV.
    path("outcomes/", outcomes_views.outcomes, name="outcomes"),
    path("outcomes/<slug:table>.csv", outcomes_views.outcomes_export, name="outcomes-export"),
]
