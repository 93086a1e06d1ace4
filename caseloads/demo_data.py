"""Synthetic demo data for `manage.py seed_demo`: word lists and a generator of table rows.

Everything here is invented. Surnames are built from made-up syllables, MRNs start with "DEMO-",
phone numbers are in the fictional 555-01xx range and e-mail addresses use example.com.

The generator is pure Python: it draws from a seeded random stream per chunk, takes row ids from a callable
(database sequences in the command, a counter in tests) and returns rows as tuples in each
table's column order, ready for COPY. The same seed and `today` give the same rows.
"""

import bisect
import dataclasses
import datetime
import itertools
import operator
import random
import zoneinfo
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.db import models

from accounts.models import Discipline
from careplans.models import (
    AssessmentDomain,
    AssessmentDomainKind,
    CarePlan,
    CarePlanReview,
    CarePlanStatus,
    Goal,
    GoalStatus,
    LifeDomain,
    NeedLevel,
    Step,
    StepOwner,
)
from caseloads.models import CaseloadStatus, FollowUpCheckIn, Graduation, IntensityLevel
from engagement.models import (
    CRISIS_KINDS,
    CheckIn,
    CheckInKind,
    Contact,
    ContactMode,
    EngagementMethod,
    GoalProgress,
    LifeEvent,
    LifeEventKind,
    LifeEventSource,
    PeerConnection,
    PeerContact,
    ReadinessView,
    SuccessKind,
    SuccessMoment,
)
from patients.models import (
    CARE_STATUSES,
    CareTeamMember,
    CareTeamRole,
    CommunitySupport,
    Consent,
    ConsentKind,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    HandoffSetting,
    Patient,
    Phase,
    PreferredContactMethod,
    Referral,
    ReferralOut,
    ReferralOutStatus,
    ReferralSource,
    ResourceCategory,
    ScreeningAnswer,
    ScreeningResponse,
    SupportKind,
    Urgency,
)

S = EnrollmentStatus
PROGRAM_TIME_ZONE = zoneinfo.ZoneInfo("America/New_York")
DAY = datetime.timedelta(days=1)
# Engagement data (contacts, check-ins) covers this many days before `today`.
HISTORY_DAYS = 182

# --- the program's fixed furniture ----------------------------------------------------------

ORGANIZATION_NAME = "Tandem Demo Health Network"
PROGRAM_NAME = "Tandem Demo Program"
TEAM_NAMES = ("Northside", "Riverside", "Eastgate")

SCREENING_QUESTIONS = (
    "Two or more hospital admissions in the last six months",
    "Two or more chronic conditions",
    "A behavioural health or social need",
    "Willing to work with a care manager",
    "Lives in the program's service area",
)

# (name, category, description, phone, address)
COMMUNITY_RESOURCES = (
    (
        "Harbor Light Housing Help",
        ResourceCategory.HOUSING,
        "Housing search, applications and move-in help.",
        "(555) 555-0101",
        "40 Pier Road",
    ),
    (
        "Eastgate Tenant Rights Clinic",
        ResourceCategory.LEGAL,
        "Free advice on eviction notices and repairs.",
        "(555) 555-0102",
        "12 Market Street",
    ),
    (
        "Millbrook Food Pantry",
        ResourceCategory.FOOD,
        "Weekly groceries, no paperwork needed.",
        "(555) 555-0103",
        "7 Chapel Lane",
    ),
    (
        "Fresh Start Community Meals",
        ResourceCategory.FOOD,
        "Hot lunch every weekday.",
        "(555) 555-0104",
        "88 Elm Street",
    ),
    (
        "Riverside Behavioral Health Walk-in",
        ResourceCategory.BEHAVIOURAL_HEALTH,
        "Same-day counselling and psychiatry intake.",
        "(555) 555-0105",
        "300 River Road",
    ),
    (
        "New Roads Recovery Center",
        ResourceCategory.SUBSTANCE_USE,
        "Outpatient treatment, medication for addiction, groups.",
        "(555) 555-0106",
        "15 Foundry Way",
    ),
    (
        "Harbor Family Health",
        ResourceCategory.PRIMARY_CARE,
        "Community health centre; takes new patients.",
        "(555) 555-0107",
        "210 Harbor Avenue",
    ),
    (
        "Cedar Hill Free Clinic",
        ResourceCategory.PRIMARY_CARE,
        "Evening clinic for people without insurance.",
        "(555) 555-0108",
        "5 Cedar Hill Road",
    ),
    (
        "Benefits Desk at the City Library",
        ResourceCategory.BENEFITS,
        "Help with SNAP, disability and health coverage forms.",
        "(555) 555-0109",
        "1 Library Square",
    ),
    (
        "Ride Together Medical Transport",
        ResourceCategory.TRANSPORT,
        "Free rides to medical appointments.",
        "(555) 555-0110",
        "66 Depot Street",
    ),
    (
        "Second Chance Jobs Program",
        ResourceCategory.EMPLOYMENT,
        "Job coaching and paid training.",
        "(555) 555-0111",
        "19 Mill Street",
    ),
    (
        "Peer Bridge Recovery Community",
        ResourceCategory.PEER_SUPPORT,
        "Peer mentors and drop-in space.",
        "(555) 555-0112",
        "4 Union Square",
    ),
    (
        "Community Legal Aid Society",
        ResourceCategory.LEGAL,
        "Benefits appeals, warrants, record sealing.",
        "(555) 555-0113",
        "250 Court Street",
    ),
    (
        "ID Clinic at the Public Library",
        ResourceCategory.OTHER,
        "Replaces lost IDs and birth certificates; covers fees.",
        "(555) 555-0114",
        "1 Library Square",
    ),
    (
        "Safe Haven Support Line",
        ResourceCategory.OTHER,
        "Confidential help for people who feel unsafe at home.",
        "(555) 555-0115",
        "",
    ),
)

# Who each community resource is for, and the languages it is offered in (by name).
RESOURCE_ELIGIBILITY_AND_LANGUAGES: dict[str, tuple[str, str]] = {
    "Harbor Light Housing Help": ("Adults who are homeless or about to lose their home.", "English, Spanish"),
    "Eastgate Tenant Rights Clinic": (
        "Renters in the county; no income limit.",
        "English, Spanish, Portuguese",
    ),
    "Millbrook Food Pantry": (
        "Anyone in need; no ID or proof of income asked.",
        "English, Spanish, Haitian Creole",
    ),
    "Fresh Start Community Meals": ("Anyone; walk in at lunchtime.", "English"),
    "Riverside Behavioral Health Walk-in": ("Adults 18 and over; any insurance or none.", "English, Spanish"),
    "New Roads Recovery Center": ("Adults ready to talk about alcohol or drug use.", "English, Spanish"),
    "Harbor Family Health": ("Everyone; sliding-scale fees.", "English, Spanish, Vietnamese"),
    "Cedar Hill Free Clinic": ("Adults without health insurance.", "English, Spanish"),
    "Benefits Desk at the City Library": (
        "Anyone applying for or renewing benefits.",
        "English, Spanish, Arabic",
    ),
    "Ride Together Medical Transport": (
        "People with Medicaid or no car; book two days ahead.",
        "English, Spanish",
    ),
    "Second Chance Jobs Program": ("Adults with a record or a long gap in work.", "English"),
    "Peer Bridge Recovery Community": ("Anyone in or thinking about recovery.", "English, Spanish"),
    "Community Legal Aid Society": (
        "Low-income residents of the county.",
        "English, Spanish, Haitian Creole",
    ),
    "ID Clinic at the Public Library": ("Anyone who has lost ID papers.", "English, Spanish"),
    "Safe Haven Support Line": (
        "Anyone who feels unsafe at home; open day and night.",
        "English, Spanish, and interpreters",
    ),
}

# (name, format, meets, leader)
PEER_GROUPS = (
    (
        "Tuesday Walking Group",
        "in_person",
        "Tuesdays 10 am, Riverside Park gate",
        "Peer lead from Peer Bridge",
    ),
    ("Diabetes Kitchen Table", "in_person", "First Thursday 5 pm, Harbor Family Health", "Community nurse"),
    ("Recovery Circle", "in_person", "Mondays and Fridays 6 pm, Union Square drop-in", "Peer lead"),
    (
        "Evening Check-in Online",
        "online",
        "Wednesdays 7 pm, video link sent by text",
        "Program peer specialist",
    ),
)


@dataclasses.dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    discipline: str = ""
    teams: tuple[str, ...] = ()
    # How much of the caseload this care manager carries relative to colleagues (uneven on purpose).
    caseload_weight: float = 0.0


STAFF = (
    StaffMember("admin", "Avery", "Quillhart", "program_admin"),
    StaffMember("lead", "Lee", "Brammond", "program_lead"),
    StaffMember("sam.supervisor", "Sam", "Orrinwood", "supervisor", teams=("Northside", "Riverside")),
    StaffMember("tara.supervisor", "Tara", "Fennick", "supervisor", teams=("Eastgate",)),
    StaffMember("maria.rn", "Maria", "Alderbeck", "care_manager", "rn", ("Northside",), 1.5),
    StaffMember("dev.sw", "Dev", "Harrowby", "care_manager", "social_worker", ("Northside",), 1.0),
    StaffMember("ana.chw", "Ana", "Selkirkby", "care_manager", "chw", ("Northside",), 1.2),
    StaffMember("joe.peer", "Joe", "Tarrowell", "care_manager", "peer_specialist", ("Northside",), 0.6),
    StaffMember("lena.rn", "Lena", "Marlston", "care_manager", "rn", ("Riverside",), 0.9),
    StaffMember("omar.sw", "Omar", "Pemberley-Vance", "care_manager", "social_worker", ("Riverside",), 1.7),
    StaffMember("kim.chw", "Kim", "Dunmore", "care_manager", "chw", ("Riverside",), 0.8),
    StaffMember("ray.peer", "Ray", "Quarrington", "care_manager", "peer_specialist", ("Riverside",), 0.7),
    StaffMember("nina.rn", "Nina", "Wendicott", "care_manager", "rn", ("Eastgate",), 1.1),
    StaffMember("ben.sw", "Ben", "Ivesham", "care_manager", "social_worker", ("Eastgate",), 0.9),
    StaffMember("rosa.chw", "Rosa", "Kellmond", "care_manager", "chw", ("Eastgate",), 1.4),
    StaffMember("ali.peer", "Ali", "Yarlowe", "care_manager", "peer_specialist", ("Eastgate",), 0.5),
)

# --- people ---------------------------------------------------------------------------------

FIRST_NAMES_WOMEN = (
    "Adaeze",
    "Alma",
    "Amina",
    "Ana",
    "Beatriz",
    "Bernadette",
    "Carmen",
    "Chantal",
    "Delia",
    "Dolores",
    "Doreen",
    "Esther",
    "Fatima",
    "Gloria",
    "Hana",
    "Imani",
    "Ines",
    "Jolene",
    "Josefina",
    "Keisha",
    "Lakshmi",
    "Lorraine",
    "Lucia",
    "Mae",
    "Marisol",
    "Minh",
    "Nadia",
    "Norma",
    "Odette",
    "Patrice",
    "Rosalind",
    "Ruth",
    "Shirley",
    "Sofia",
    "Tamika",
    "Thuy",
    "Valentina",
    "Wanda",
    "Yolanda",
    "Zainab",
)
FIRST_NAMES_MEN = (
    "Abdi",
    "Alonzo",
    "Andre",
    "Bao",
    "Carlos",
    "Cedric",
    "Dariusz",
    "Desmond",
    "Earl",
    "Efrain",
    "Elijah",
    "Franklin",
    "Gustavo",
    "Harold",
    "Hector",
    "Ibrahim",
    "Jamal",
    "Jerome",
    "Joaquim",
    "Kwame",
    "Lamar",
    "Leon",
    "Luis",
    "Marcus",
    "Mateo",
    "Nikolai",
    "Omari",
    "Pedro",
    "Quang",
    "Raymond",
    "Reggie",
    "Rohan",
    "Samuel",
    "Tariq",
    "Terrence",
    "Tomas",
    "Victor",
    "Wesley",
    "Yusuf",
    "Zeke",
)
FIRST_NAMES_NEUTRAL = (
    "Alex",
    "Casey",
    "Jordan",
    "Kai",
    "Morgan",
    "Quinn",
    "Riley",
    "Robin",
    "Sage",
    "Taylor",
)
NICKNAMES = ("Bea", "Dee", "Jojo", "Junior", "Lulu", "Mack", "Nana", "Red", "Sunny", "Tee", "Pops", "Cookie")
SURNAME_STARTS = (
    "Alder",
    "Bram",
    "Carrow",
    "Dun",
    "Elling",
    "Fenn",
    "Gall",
    "Harrow",
    "Ives",
    "Jessop",
    "Kell",
    "Lom",
    "Marl",
    "Nock",
    "Orrin",
    "Pember",
    "Quarr",
    "Redd",
    "Selk",
    "Tarrow",
    "Umber",
    "Vant",
    "Wend",
    "Yarl",
)
SURNAME_ENDS = (
    "ard",
    "beck",
    "by",
    "cott",
    "den",
    "ell",
    "ett",
    "ham",
    "ick",
    "ington",
    "ley",
    "mond",
    "ore",
    "sby",
    "ston",
    "wood",
)
LANGUAGES = (
    ("English", 70),
    ("Spanish", 14),
    ("Haitian Creole", 3),
    ("Vietnamese", 3),
    ("Portuguese", 2),
    ("Cantonese", 2),
    ("Somali", 2),
    ("Arabic", 2),
    ("Russian", 1),
    ("American Sign Language", 1),
)
AREA_CODES = ("555", "556", "557")
STREETS = (
    "Elm Street",
    "Chapel Lane",
    "River Road",
    "Foundry Way",
    "Mill Street",
    "Cedar Hill Road",
    "Depot Street",
    "Harbor Avenue",
    "Union Square",
    "Pier Road",
    "Orchard Terrace",
    "Market Street",
    "Linden Court",
    "Maple Row",
    "Quarry Road",
    "Beacon Hill Lane",
)
CITIES = (("Fairhaven", "01910"), ("Millbrook", "01922"), ("Harbor Point", "01934"), ("Cedar Hill", "01946"))
SHELTER_ADDRESS = "Harbor Light Shelter, 40 Pier Road"
BEST_TIMES = (
    "Mornings",
    "After 2 pm",
    "Weekdays before noon",
    "Evenings after work",
    "Any time; text first",
    "Not on dialysis days (Mon, Wed, Fri)",
    "Late morning",
)
MEETING_PLACES = (
    "Home",
    "Home or the clinic",
    "The library on Elm Street",
    "Clinic lobby",
    "Café near the bus station",
    "Shelter day room",
    "Church hall after the Sunday service",
    "Riverside Park benches",
)
CARE_PREFERENCE_NOTES = (
    "",
    "",
    "",
    "Call first; please do not knock unannounced.",
    "Hard of hearing: face them and speak slowly.",
    "Prefers short visits.",
    "Reading is hard; go through forms together in person.",
    "Daughter helps with appointments and wants to be on calls.",
    "Prefers a woman care manager.",
    "Works nights; never call before noon.",
    "Dog at home is friendly but loud.",
)

# --- referrals ------------------------------------------------------------------------------

REFERRAL_SOURCES = (
    (ReferralSource.PRIMARY_CARE, 30),
    (ReferralSource.EMERGENCY_DEPARTMENT, 20),
    (ReferralSource.INPATIENT, 18),
    (ReferralSource.HEALTH_PLAN, 15),
    (ReferralSource.COMMUNITY_ORGANIZATION, 12),
    (ReferralSource.SELF, 5),
)
REFERRER_ORGANIZATIONS = {
    ReferralSource.PRIMARY_CARE: (
        "Harbor Family Health",
        "Millbrook Community Clinic",
        "Cedar Hill Primary Care",
    ),
    ReferralSource.EMERGENCY_DEPARTMENT: (
        "Riverside General Hospital ED",
        "St. Brendan's Emergency Department",
    ),
    ReferralSource.INPATIENT: ("Riverside General Hospital, 5 West", "St. Brendan's Medical Unit"),
    ReferralSource.HEALTH_PLAN: ("Bayline Health Plan care coordination", "CommonCare Medicaid plan"),
    ReferralSource.COMMUNITY_ORGANIZATION: (
        "Harbor Light Shelter",
        "Millbrook Food Pantry",
        "New Roads Recovery",
    ),
    ReferralSource.SELF: ("",),
}
REFERRAL_REASONS = {
    ReferralSource.PRIMARY_CARE: (
        "Diabetes out of control and missing appointments; lives alone.",
        "Heart failure with three admissions this year; struggles with medicines.",
        "COPD and depression; has stopped coming to the clinic.",
        "Multiple conditions and recently lost housing.",
    ),
    ReferralSource.EMERGENCY_DEPARTMENT: (
        "Fourth ED visit in two months for high blood sugar.",
        "Frequent ED visits for chest pain; no primary care follow-up.",
        "ED visit after a fall; no food at home and no one checking in.",
        "Repeated ED visits for asthma; out of inhalers.",
    ),
    ReferralSource.INPATIENT: (
        "Discharged after a heart failure admission; readmitted twice before.",
        "Long stay for a foot infection; needs help at home and with wound care.",
        "Admitted with pneumonia; unstable housing after discharge.",
    ),
    ReferralSource.HEALTH_PLAN: (
        "On the plan's high-cost list: many admissions and ED visits last year.",
        "Plan outreach list: several chronic conditions and no recent primary care visit.",
    ),
    ReferralSource.COMMUNITY_ORGANIZATION: (
        "Shelter staff worried about untreated diabetes and weight loss.",
        "Food pantry volunteer noticed swollen legs and missed medicines.",
        "Recovery centre asked for help with medical care and housing.",
    ),
    ReferralSource.SELF: (
        "Heard about the program from a neighbour; wants help getting on top of health and bills.",
        "Called after a friend graduated from the program.",
    ),
}
PATIENT_PRIORITIES = (
    "Keep my apartment",
    "See my grandkids more",
    "Stop going to the ER",
    "Get my ID back",
    "Sort out my benefits",
    "Feel less alone",
    "Get back to work",
    "Stay sober",
    "Understand my pills",
    "Walk without getting out of breath",
    "Get my teeth fixed",
    "Find a place of my own",
    "Be there for my kids",
    "Sleep better",
    "Pay my bills on time",
)
REFERRER_TITLES = ("Dr.", "Dr.", "Nurse", "Social worker", "Case manager")
SCREENING_DECISIONS = (
    "Meets criteria: several admissions this year, two chronic conditions and a housing need.",
    "Meets criteria; wants help and agreed to meet.",
    "Good fit: frequent ED use and no primary care connection.",
    "Fits: diabetes and depression, lives alone, open to the program.",
)
NOT_A_FIT_DECISIONS = (
    "Lives outside the service area; connected to a program closer to home.",
    "Needs are mainly legal; referred to legal aid instead.",
    "Already has an intensive case manager with another agency.",
    "Main need is substance use treatment first; referred to New Roads.",
)
HANDOFFS = (
    ("Her primary care doctor", HandoffSetting.CLINIC),
    ("His primary care doctor", HandoffSetting.CLINIC),
    ("ED social worker", HandoffSetting.EMERGENCY_DEPARTMENT),
    ("Charge nurse on 5 West", HandoffSetting.HOSPITAL_BEDSIDE),
    ("Shelter case manager", HandoffSetting.COMMUNITY),
    ("Health plan nurse", HandoffSetting.PHONE),
    ("Pastor at Grace Tabernacle", HandoffSetting.COMMUNITY),
    ("Clinic nurse, on a video visit", HandoffSetting.VIDEO),
)
REAPPROACH_PREFERENCES = (
    "Text in three months; not ready while caring for her mother.",
    "Ask again after the court date in the spring.",
    "Check back through the primary care doctor at the next visit.",
    "Said maybe after the summer; prefers a call from the peer specialist.",
    "Wants to try on their own first; happy to be asked again.",
)
DECLINE_NOTES = (
    "Does not want home visits right now.",
    "Feels things are under control; thanked us.",
    "Too much going on this month; open to hearing from us later.",
)
END_NOTES = {
    EndReason.UNABLE_TO_REACH: "No reply to calls, texts or visits over two months.",
    EndReason.MOVED_AWAY: "Moved to live with family out of state; records sent to the new clinic.",
    EndReason.STOPPED_PARTICIPATING: "Chose to stop; knows the door is open.",
    EndReason.TRANSFERRED: "Transferred to the health plan's behavioural health program.",
    EndReason.DIED: "Died at home. The team sent a card to the family.",
    EndReason.OTHER: "Went into long-term care.",
}
DISENROLL_REASONS = (
    (EndReason.UNABLE_TO_REACH, 35),
    (EndReason.MOVED_AWAY, 15),
    (EndReason.STOPPED_PARTICIPATING, 25),
    (EndReason.TRANSFERRED, 10),
    (EndReason.DIED, 5),
    (EndReason.OTHER, 10),
)

# --- care teams -----------------------------------------------------------------------------

PCP_CLINICS = (
    "Harbor Family Health",
    "Millbrook Community Clinic",
    "Cedar Hill Primary Care",
    "Riverside Internal Medicine",
)
PSYCHIATRY_CLINICS = ("Riverside Behavioral Health", "Harbor Family Health Behavioral Health")
COLLEAGUE_ROLES = {
    Discipline.REGISTERED_NURSE: CareTeamRole.NURSE,
    Discipline.SOCIAL_WORKER: CareTeamRole.SOCIAL_WORKER,
    Discipline.COMMUNITY_HEALTH_WORKER: CareTeamRole.COMMUNITY_HEALTH_WORKER,
    Discipline.PEER_SPECIALIST: CareTeamRole.PEER_SPECIALIST,
}
TRANSFER_NOTES = (
    "Knows her from the shelter days; prefers mornings. Her sister is the best way to reach her.",
    "Trust is building slowly; keep visits short and bring the pill box. Housing form is half done.",
    "Reliable by text, not by phone. Wants to keep working on the ID application first.",
    "Likes to meet at the library. Ask about his son; that is what he wants to talk about.",
)

# --- supports and consent -------------------------------------------------------------------

SUPPORT_KINDS = (
    (SupportKind.FAMILY, 40),
    (SupportKind.FRIEND, 14),
    (SupportKind.FAITH_COMMUNITY, 12),
    (SupportKind.SPONSOR, 6),
    (SupportKind.COUNSELLOR, 8),
    (SupportKind.SUPPORT_GROUP, 6),
    (SupportKind.NEIGHBOUR, 6),
    (SupportKind.CASE_WORKER, 6),
    (SupportKind.OTHER, 2),
)
FAMILY_RELATIONSHIPS = (
    "Daughter",
    "Son",
    "Sister",
    "Brother",
    "Mother",
    "Niece",
    "Grandson",
    "Partner",
    "Cousin",
)
GROUP_SUPPORTS = {
    SupportKind.FAITH_COMMUNITY: (
        ("Grace Tabernacle men's group", "Church group"),
        ("St. Anne's parish outreach", "Parish"),
        ("Masjid Al-Noor community", "Mosque community"),
    ),
    SupportKind.SUPPORT_GROUP: (
        ("Tuesday Recovery Circle", "Support group"),
        ("Heart Failure Club at Harbor Family Health", "Support group"),
    ),
    SupportKind.CASE_WORKER: (
        ("Harbor Light Shelter case management", "Shelter case manager"),
        ("Bayline Health Plan care coordinator", "Health plan coordinator"),
    ),
    SupportKind.OTHER: (("Millbrook Senior Center", "Day program"), ("Riverside Boxing Gym", "Gym coach")),
}
SUPPORT_NOTES = (
    "",
    "",
    "Drives to appointments when off work.",
    "Calls every evening.",
    "Lives upstairs; has a key.",
    "Helps with forms and mail.",
    "Sees each other at Sunday service.",
)

# --- care plans -----------------------------------------------------------------------------

CO_CREATED_WITH = (
    "Patient",
    "Patient",
    "Patient and daughter",
    "Patient and son",
    "Patient and sister",
    "Patient and peer specialist",
    "Patient, sponsor and care manager",
    "Patient and primary care doctor",
)
CO_CREATED_WHERE = (
    "Home visit",
    "Home visit",
    "Clinic",
    "Shelter day room",
    "Café near home",
    "Hospital bedside",
    "Phone call",
    "Library meeting room",
)
PLAN_REVIEW_NOTES = (
    "Went through every goal together; moved the housing goal to first.",
    "Reviewed with the daughter on speaker phone.",
    "Quick review after the hospital stay; added a step about follow-up.",
    "",
)


@dataclasses.dataclass(frozen=True)
class GoalIdea:
    domain: str
    words: str
    why: str
    success: str
    framing: str = ""


GOAL_IDEAS = (
    GoalIdea(
        LifeDomain.HOUSING,
        "I want to get my own apartment.",
        "I'm tired of moving between my sister's couch and the shelter.",
        "Keys in my hand and my name on a lease.",
        "Secure stable housing",
    ),
    GoalIdea(
        LifeDomain.HOUSING,
        "Stay in my apartment. No more eviction letters.",
        "It's the first place that has felt like home.",
        "Rent paid on time six months in a row.",
        "Housing stability",
    ),
    GoalIdea(
        LifeDomain.HOUSING,
        "Get the heat fixed so my grandson can visit in winter.",
        "He stopped coming when it got cold.",
        "Warm apartment and a visit in January.",
    ),
    GoalIdea(
        LifeDomain.FAMILY,
        "I want to see my grandkids on Sundays.",
        "They are the reason I get up.",
        "Sunday dinner at my daughter's most weeks.",
    ),
    GoalIdea(
        LifeDomain.FAMILY,
        "Be there for my son's graduation in June.",
        "I missed his eighth-grade one because I was in the hospital.",
        "Sitting in the front row in June.",
    ),
    GoalIdea(
        LifeDomain.FAMILY,
        "Get my kids back for weekend visits.",
        "I want them to know me sober.",
        "Kids stay over every other weekend.",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Stop ending up in the ER for my sugar.",
        "Every time I go in I lose my place at work.",
        "No ER visits for three months; sugar mostly in range.",
        "Diabetes self-management",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Breathe well enough to walk to the corner store.",
        "I hate asking the neighbour to get my milk.",
        "Walk there and back without stopping.",
        "COPD management",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Understand what all my pills are for.",
        "I stopped some because I was scared.",
        "I can tell you what each one does.",
        "Medication reconciliation and adherence",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Get my teeth fixed so I can eat properly.",
        "It hurts to eat anything but soup.",
        "Eating a steak dinner with my brother.",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Lose enough weight to get my knee surgery.",
        "The surgeon said not until I lose 20 pounds.",
        "On the surgery schedule.",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Keep my feet healthy so I don't lose a toe like my father.",
        "I watched what happened to him.",
        "Foot check every visit; no sores.",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Sleep through the night without the pain waking me.",
        "I'm exhausted all day.",
        "Most nights I sleep six hours.",
        "Pain management",
    ),
    GoalIdea(
        LifeDomain.HEALTH,
        "Keep the swelling in my legs down so I can wear shoes.",
        "I want to go to church in real shoes.",
        "Shoes on for Sunday service.",
        "Heart failure self-care",
    ),
    GoalIdea(
        LifeDomain.MONEY,
        "Get my ID back so I can apply for benefits.",
        "Without ID I can't get food stamps or disability.",
        "ID in my wallet and the application sent.",
    ),
    GoalIdea(
        LifeDomain.MONEY,
        "Sort out my disability application.",
        "I can't work and I have nothing coming in.",
        "A decision letter, and money coming in.",
    ),
    GoalIdea(
        LifeDomain.MONEY,
        "Have money left at the end of the month for food.",
        "The last week is always hungry.",
        "Food in the fridge on the 30th.",
    ),
    GoalIdea(
        LifeDomain.MONEY,
        "Pay off the light bill.",
        "They keep threatening to shut it off.",
        "Bill at zero and a payment plan I can keep.",
    ),
    GoalIdea(
        LifeDomain.WORK,
        "Get back to work, even part time.",
        "I miss being useful.",
        "A job with steady hours.",
    ),
    GoalIdea(LifeDomain.WORK, "Finish my GED.", "I promised my mother.", "Certificate framed on the wall."),
    GoalIdea(
        LifeDomain.WORK,
        "Learn to use a computer so I can apply for jobs.",
        "Everything is online now.",
        "Send an application by myself.",
    ),
    GoalIdea(
        LifeDomain.RECOVERY,
        "Stay sober for my daughter's wedding.",
        "She said she wants me there clear-headed.",
        "Dancing at the wedding, sober.",
        "Alcohol use recovery",
    ),
    GoalIdea(
        LifeDomain.RECOVERY,
        "Cut down my drinking to weekends only.",
        "Weekdays I want to feel okay.",
        "No drinks Monday to Thursday for a month.",
        "Harm reduction: alcohol",
    ),
    GoalIdea(
        LifeDomain.RECOVERY,
        "Go to a meeting at least twice a week.",
        "Meetings are where my people are.",
        "Two meetings a week for a month.",
    ),
    GoalIdea(
        LifeDomain.RECOVERY,
        "Stay off pills.",
        "I don't want to go back to how it was.",
        "Six months clean.",
        "Opioid use disorder recovery",
    ),
    GoalIdea(
        LifeDomain.SOCIAL,
        "Have someone to talk to besides the TV.",
        "The days are long and quiet.",
        "Someone to call most days.",
    ),
    GoalIdea(
        LifeDomain.SOCIAL, "Go back to church on Sundays.", "I miss the singing.", "In my pew most Sundays."
    ),
    GoalIdea(
        LifeDomain.SOCIAL,
        "Join the walking group at the park.",
        "Walking is easier with company.",
        "Walking with the group every Tuesday.",
    ),
    GoalIdea(
        LifeDomain.SOCIAL,
        "Make one friend in this building.",
        "I don't know anyone here.",
        "A neighbour I can knock on.",
    ),
    GoalIdea(
        LifeDomain.LEGAL,
        "Clear my old warrant so I can stop worrying.",
        "I jump every time I see a police car.",
        "Warrant cleared and the paper in my hand.",
    ),
    GoalIdea(
        LifeDomain.LEGAL,
        "Get my driver's license back.",
        "I could get to work and to my kids.",
        "Driving again, legally.",
    ),
    GoalIdea(
        LifeDomain.SAFETY,
        "Feel safe in my own home.",
        "Things got bad last year.",
        "Locks changed and a plan I trust.",
    ),
    GoalIdea(
        LifeDomain.SAFETY,
        "Have a plan if things get bad with my partner.",
        "I want to know where I could go.",
        "A safety plan I could use tonight.",
    ),
    GoalIdea(
        LifeDomain.OTHER,
        "Get a phone that works so people can reach me.",
        "I miss appointments because nobody can call me.",
        "A working phone with minutes on it.",
    ),
    GoalIdea(
        LifeDomain.OTHER,
        "Adopt a cat again once I have a place.",
        "I always had a cat growing up.",
        "A cat asleep on my bed.",
    ),
    GoalIdea(
        LifeDomain.OTHER,
        "Cook a real meal for myself once a week.",
        "I live on chips and soda.",
        "Sunday cooking, most weeks.",
    ),
    GoalIdea(
        LifeDomain.OTHER,
        "Go fishing with my brother this summer.",
        "We used to go every year.",
        "A day on the pier with him in July.",
    ),
)
# (owner, description) per life domain; "team_member" and "community_support" need someone to point at.
STEP_IDEAS = {
    LifeDomain.HOUSING: (
        (StepOwner.PATIENT, "Call the housing authority about the waitlist"),
        (StepOwner.CARE_MANAGER, "Fill in the housing application together"),
        (StepOwner.CARE_MANAGER, "Ask Harbor Light about the rapid rehousing slots"),
        (StepOwner.COMMUNITY_SUPPORT, "Go with them to see the apartment on Linden Court"),
    ),
    LifeDomain.FAMILY: (
        (StepOwner.PATIENT, "Call my daughter on Sunday to set a time"),
        (StepOwner.COMMUNITY_SUPPORT, "Drive to the Sunday visit"),
        (StepOwner.CARE_MANAGER, "Find out what the family court needs for visits"),
    ),
    LifeDomain.HEALTH: (
        (StepOwner.PATIENT, "Check sugar before breakfast and write it down"),
        (StepOwner.PATIENT, "Use the pill box every morning"),
        (StepOwner.CARE_MANAGER, "Bring all the pill bottles to the next visit and sort them"),
        (StepOwner.TEAM_MEMBER, "Review the medicines and simplify the schedule"),
        (StepOwner.TEAM_MEMBER, "See them within a week of any ED visit"),
        (StepOwner.CARE_MANAGER, "Book a ride for the eye appointment"),
    ),
    LifeDomain.MONEY: (
        (StepOwner.CARE_MANAGER, "Go to the ID clinic together"),
        (StepOwner.PATIENT, "Find the birth certificate copy at my sister's"),
        (StepOwner.CARE_MANAGER, "Call the benefits desk about the missing letter"),
        (StepOwner.COMMUNITY_SUPPORT, "Help open the mail once a week"),
    ),
    LifeDomain.WORK: (
        (StepOwner.PATIENT, "Visit Second Chance Jobs on Tuesday"),
        (StepOwner.CARE_MANAGER, "Sign up for the library computer class"),
    ),
    LifeDomain.RECOVERY: (
        (StepOwner.PATIENT, "Go to the Monday meeting"),
        (StepOwner.COMMUNITY_SUPPORT, "Call on Friday evenings"),
        (StepOwner.TEAM_MEMBER, "Talk through medication for cravings"),
    ),
    LifeDomain.SOCIAL: (
        (StepOwner.PATIENT, "Go to the walking group once"),
        (StepOwner.COMMUNITY_SUPPORT, "Pick them up for Sunday service"),
        (StepOwner.CARE_MANAGER, "Introduce them to the peer mentor"),
    ),
    LifeDomain.LEGAL: (
        (StepOwner.CARE_MANAGER, "Book an appointment with legal aid"),
        (StepOwner.PATIENT, "Bring the court letters to the visit"),
    ),
    LifeDomain.SAFETY: (
        (StepOwner.CARE_MANAGER, "Make a safety plan together"),
        (StepOwner.PATIENT, "Save the support line number in the phone"),
    ),
    LifeDomain.OTHER: (
        (StepOwner.CARE_MANAGER, "Apply for a program phone"),
        (StepOwner.PATIENT, "Pick one recipe to try this week"),
    ),
}
ASSESSMENT_SUMMARIES = {
    AssessmentDomainKind.WHAT_MATTERS_MOST: (
        "Family, faith and staying out of the hospital.",
        "Having a home and seeing the grandchildren.",
        "Getting back to work and being independent.",
    ),
    AssessmentDomainKind.STRENGTHS: (
        "Funny, stubborn, knows the neighbourhood well.",
        "Close to a sister; strong faith.",
        "Good cook; keeps going when things are hard.",
    ),
    AssessmentDomainKind.HEALTH_CONDITIONS: (
        "Type 2 diabetes, high blood pressure, kidney disease stage 3.",
        "Heart failure and COPD.",
        "Asthma, chronic back pain, obesity.",
    ),
    AssessmentDomainKind.MEDICATIONS: (
        "Eleven medicines from three prescribers; unsure what several are for.",
        "Rations insulin at the end of the month.",
        "Uses a pill box; misses evening doses.",
    ),
    AssessmentDomainKind.BEHAVIOURAL_HEALTH: (
        "Depression; stopped counselling last year.",
        "Anxiety, worse since the eviction.",
        "PTSD; sleeps badly.",
    ),
    AssessmentDomainKind.SUBSTANCE_USE: (
        "Drinks most days; wants to cut down.",
        "In recovery from opioids; on medication.",
        "Uses cannabis to sleep.",
    ),
    AssessmentDomainKind.HOUSING: (
        "Staying with a sister; can stay until spring.",
        "Shelter; on the housing list.",
        "Own apartment; behind on rent.",
    ),
    AssessmentDomainKind.FOOD: ("Runs out of food the last week of the month.", "Eats one meal a day."),
    AssessmentDomainKind.TRANSPORT: (
        "No car; buses are hard with the walker.",
        "Relies on rides from church.",
    ),
    AssessmentDomainKind.INCOME_BENEFITS: (
        "No income; disability application pending.",
        "SNAP lapsed after a missed letter.",
    ),
    AssessmentDomainKind.LEGAL: ("Old warrant for unpaid fines.", "Custody hearing coming up."),
    AssessmentDomainKind.SOCIAL_SUPPORT: (
        "Sister nearby; few friends.",
        "Church community is a big support.",
    ),
    AssessmentDomainKind.SAFETY_TRAUMA: (
        "Past partner violence; safe now.",
        "Feels unsafe in the building at night.",
    ),
}
OPTIONAL_ASSESSMENT_DOMAINS = tuple(
    kind
    for kind in ASSESSMENT_SUMMARIES
    if kind
    not in (
        AssessmentDomainKind.WHAT_MATTERS_MOST,
        AssessmentDomainKind.STRENGTHS,
        AssessmentDomainKind.SUBSTANCE_USE,
    )
)

# --- contacts and what happens in between ---------------------------------------------------

REACHED_MODES = (
    (ContactMode.HOME, 20),
    (ContactMode.CLINIC, 10),
    (ContactMode.EMERGENCY_DEPARTMENT, 2),
    (ContactMode.HOSPITAL_BEDSIDE, 3),
    (ContactMode.STREET_SHELTER, 3),
    (ContactMode.ACCOMPANIED_APPOINTMENT, 7),
    (ContactMode.COMMUNITY, 9),
    (ContactMode.PHONE, 30),
    (ContactMode.VIDEO, 5),
    (ContactMode.TEXT, 11),
)
REACHED_MODES_UNHOUSED = (
    (ContactMode.STREET_SHELTER, 35),
    (ContactMode.COMMUNITY, 15),
    (ContactMode.CLINIC, 12),
    (ContactMode.EMERGENCY_DEPARTMENT, 5),
    (ContactMode.HOSPITAL_BEDSIDE, 4),
    (ContactMode.ACCOMPANIED_APPOINTMENT, 9),
    (ContactMode.PHONE, 15),
    (ContactMode.TEXT, 5),
)
ATTEMPT_MODES = (
    (ContactMode.PHONE, 55),
    (ContactMode.TEXT, 25),
    (ContactMode.HOME, 10),
    (ContactMode.STREET_SHELTER, 5),
    (ContactMode.COMMUNITY, 5),
)
IN_PERSON_MINUTES = (20, 30, 45, 60, 75, 90, 120)
REMOTE_MINUTES = (5, 10, 15, 20, 30)
# Notes that fit how the contact happened: remote ones never describe a visit.
_IN_PERSON_NOTES = (
    "Checked in about the week. Mood better; walked to the store twice.",
    "Went over the pill box together. Teach-back on the new dose went well.",
    "Hard week; spent the visit on what went wrong and what to try.",
    "Practised what to say to the doctor about the pain.",
    "Helped read the letter from the landlord; legal aid appointment made.",
    "Celebrated a full week of morning sugars written down.",
)
_PHONE_NOTES = (
    "Quick call: appointment confirmed, ride booked.",
    "Talked through the ED visit. Wants to try the nurse line first next time.",
    "Checked in about the week. Mood better; walked to the store twice.",
    "Practised what to say to the doctor about the pain.",
)
REACHED_NOTES: dict[str, tuple[str, ...]] = {
    ContactMode.HOME: (
        *_IN_PERSON_NOTES,
        "Home visit: fridge nearly empty; brought a pantry bag and made a SNAP plan.",
    ),
    ContactMode.CLINIC: (*_IN_PERSON_NOTES, "Met after the clinic visit; doctor changed the water pill."),
    ContactMode.EMERGENCY_DEPARTMENT: (
        "Met in the ED. Stayed until the doctor came; agreed on a visit after discharge.",
        "ED visit for chest pain; ruled out. Talked about what set it off.",
    ),
    ContactMode.HOSPITAL_BEDSIDE: (
        "Bedside visit on the ward. Discharge plan reviewed; follow-up booked.",
        "Visited on the ward; talked about going home and who can help the first week.",
    ),
    ContactMode.STREET_SHELTER: (
        "Sat together at the shelter. Mostly listened; agreed to meet again Thursday.",
        "Found at the usual bench. Brought socks and coffee; talked about the housing list.",
    ),
    ContactMode.ACCOMPANIED_APPOINTMENT: (
        "Went to the clinic visit together; doctor changed the water pill.",
        "Drove to the benefits office together; application handed in.",
    ),
    ContactMode.COMMUNITY: (
        "Met at the café. Talked about the grandkids' visit and the apartment.",
        *_IN_PERSON_NOTES,
    ),
    ContactMode.PHONE: _PHONE_NOTES,
    ContactMode.VIDEO: (
        "Video visit with the daughter joining. Planned the week's meals.",
        *_PHONE_NOTES,
    ),
    ContactMode.TEXT: (
        "Short text exchange; sent a photo of the sugar log.",
        "Texted back: appointment tomorrow confirmed, ride booked.",
    ),
}
ATTEMPT_NOTES = {
    ContactMode.PHONE: (
        "No answer; left a voicemail with the callback number.",
        "Phone off.",
        "Number not in service.",
    ),
    ContactMode.TEXT: ("Text sent, no reply yet.", "Sent a reminder text about Thursday."),
    ContactMode.HOME: (
        "Knocked; no one home. Left a card.",
        "Neighbour said they are at the sister's this week.",
    ),
    ContactMode.STREET_SHELTER: (
        "Not at the shelter today; left a note with staff.",
        "Looked at the usual spots.",
    ),
    ContactMode.COMMUNITY: ("Waited at the café; did not come.",),
}
PART2_NOTES = (
    "Talked about drinking since the discharge; wants to try the Tuesday group at New Roads.",
    "Reviewed the buprenorphine schedule and rides to the clinic.",
    "Two weeks without a drink; planned for the weekend.",
    "Used after the funeral; no overdose. Went over naloxone and the next steps.",
)
ENGAGEMENT_METHODS = tuple(EngagementMethod.values)
GOAL_PROGRESS_NOTES = (
    "Moved forward: called the landlord.",
    "Stuck: the form needs a birth certificate.",
    "Did it twice this week.",
    "Talked about it; not ready yet.",
    "Halfway there.",
    "Small win this week.",
    "Set back by the hospital stay; picking it up again.",
    "",
)
CHECK_IN_NOTES = (
    "",
    "",
    "Feels more in control.",
    "A hard month; still hopeful.",
    "Proud of the progress.",
    "Worried about money.",
    "Sleeping better.",
)
SATISFACTION_NOTES = (
    "",
    "Likes that someone actually calls back.",
    "Wants more visits at home.",
    "Says the program helped more than any clinic.",
)
SUCCESS_DESCRIPTIONS = {
    SuccessKind.TRUST: (
        "Answered the door for the first time.",
        "Called back on their own.",
        "Told us about the eviction notice before it was too late.",
        "Let us come along to the clinic.",
        "Shared what happened in the hospital last year.",
    ),
    SuccessKind.MINDSET_INITIATIVE: (
        "Made their own follow-up appointment.",
        "Asked the pharmacist what the new medicine is for.",
        "Brought the sugar log without being asked.",
        "Called the landlord before we did.",
        "Went to the walking group alone.",
    ),
    SuccessKind.STABILITY_INDEPENDENCE: (
        "Three months without an ER visit.",
        "Rent paid on time three months running.",
        "Managing the pill box alone now.",
        "Moved into the new apartment.",
        "Started the new job.",
    ),
}
FACILITIES = ("Riverside General Hospital", "St. Brendan's Medical Center", "Harbor Point Urgent Care")
LIFE_EVENT_KINDS = (
    (LifeEventKind.ED_VISIT, 26),
    (LifeEventKind.ADMISSION, 12),
    (LifeEventKind.READMISSION, 4),
    (LifeEventKind.CRISIS, 9),
    (LifeEventKind.HOUSING_LOSS, 6),
    (LifeEventKind.HOUSED, 10),
    (LifeEventKind.INCARCERATION, 3),
    (LifeEventKind.RELAPSE, 8),
    (LifeEventKind.OTHER, 3),
)
PRE_ENROLMENT_KINDS = (
    (LifeEventKind.ED_VISIT, 50),
    (LifeEventKind.ADMISSION, 30),
    (LifeEventKind.READMISSION, 10),
    (LifeEventKind.CRISIS, 10),
)
LIFE_EVENT_NOTES = {
    LifeEventKind.ED_VISIT: ("High sugar.", "Chest pain; sent home.", "Fall at home.", "Short of breath."),
    LifeEventKind.ADMISSION: ("Heart failure.", "Pneumonia.", "Foot infection.", "Diabetic ketoacidosis."),
    LifeEventKind.DISCHARGE: ("Home with follow-up in 7 days.", "Discharged to the sister's place."),
    LifeEventKind.READMISSION: ("Back in within two weeks; fluid again.",),
    LifeEventKind.CRISIS: ("Called the crisis line.", "Mobile crisis team visited."),
    LifeEventKind.HOUSING_LOSS: ("Evicted.", "Had to leave the sister's place."),
    LifeEventKind.HOUSED: ("Moved into a studio through rapid rehousing.", "Signed a lease."),
    LifeEventKind.INCARCERATION: ("Held on an old warrant.",),
    LifeEventKind.RELEASE: ("Released; court date set.",),
    LifeEventKind.RELAPSE: ("Drank after a bad week.", "Used again after the funeral."),
    LifeEventKind.OTHER: ("Lost the phone.", "Death in the family."),
}
OVERRIDE_REASONS = (
    "Just home from hospital; keeping visits frequent for two more weeks.",
    "Court date coming up; extra support until then.",
    "Stable for months; agreed with the patient to step down early.",
    "New to the team after a transfer; keeping the old rhythm for now.",
)
HANDOFF_SUMMARIES = (
    "Stable for four months; knows the pill box and the warning signs. PCP has the plan.",
    "Housed, benefits in place, confidence 8/10. Follow-up calls at 30, 60 and 90 days.",
    "Graduated with a plan for bad weeks: call the clinic nurse, then the peer mentor.",
)
FOLLOW_UP_NOTES = ("Doing well; no ED visits.", "Still managing; asked about the walking group.", "")
PEER_MENTOR_NAMES = ("Program graduate (peer mentor)", "Peer mentor from Peer Bridge")


# --- small helpers --------------------------------------------------------------------------


class Weighted[T]:
    """A weighted choice that is cheap to draw from many times."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: "DemoRandom") -> T:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def invented_surname(rng: "DemoRandom") -> str:
    return rng.choice(SURNAME_STARTS) + rng.choice(SURNAME_ENDS)


def demo_phone(rng: "DemoRandom") -> str:
    """A number in the 555-0100..555-0199 block, which is reserved for fiction."""
    return f"({rng.choice(AREA_CODES)}) 555-01{rng.randrange(100):02d}"


def clinician_name(rng: "DemoRandom") -> str:
    return f"Dr. {rng.choice('ABCDEFGHJKLMNPRSTW')}. {invented_surname(rng)}"


# --- table rows -----------------------------------------------------------------------------


class TableSpec:
    """How one model's rows are laid out for COPY: every concrete column, with model defaults."""

    def __init__(self, model: type[models.Model], now: datetime.datetime) -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.table = model._meta.db_table
        self.columns = tuple(field.column for field in fields)
        # COPY bypasses Django, so defaults and auto timestamps are filled in here.
        self.defaults = {field.attname: _default_for(field, now) for field in fields}
        self._getter = operator.itemgetter(*(field.attname for field in fields))

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return self._getter(self.defaults | values)


def _default_for(field: models.Field, now: datetime.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


# Every model the generator writes, in an order that reads parent-first. (Foreign keys are
# deferred to commit, so COPY could go in any order; this one is just easier to follow.)
GENERATED_MODELS: tuple[type[models.Model], ...] = (
    Patient,
    Enrollment,
    Referral,
    ScreeningAnswer,
    CareTeamMember,
    CommunitySupport,
    Consent,
    ReferralOut,
    CarePlan,
    CarePlanReview,
    Goal,
    Step,
    AssessmentDomain,
    Contact,
    GoalProgress,
    LifeEvent,
    CheckIn,
    SuccessMoment,
    PeerConnection,
    PeerContact,
    CaseloadStatus,
    Graduation,
    FollowUpCheckIn,
)


def table_specs(now: datetime.datetime) -> dict[type[models.Model], TableSpec]:
    return {model: TableSpec(model, now) for model in GENERATED_MODELS}


class ChunkRows:
    """The rows generated for one chunk of patients, per model."""

    def __init__(self, specs: dict[type[models.Model], TableSpec], patients: int) -> None:
        self.specs = specs
        self.patients = patients
        self.tables: dict[type[models.Model], list[tuple[Any, ...]]] = {model: [] for model in specs}

    def add(self, model: type[models.Model], values: dict[str, Any]) -> None:
        self.tables[model].append(self.specs[model].row(values))

    def counts(self) -> Counter[type[models.Model]]:
        return Counter({model: len(rows) for model, rows in self.tables.items()})


# --- what the setup created, as the generator needs it ---------------------------------------


@dataclasses.dataclass(frozen=True)
class CareManagerRef:
    id: int
    username: str
    team_id: int
    discipline: str
    supervisor_id: int
    weight: float


@dataclasses.dataclass(frozen=True)
class DemoWorld:
    program_id: int
    today: datetime.date
    now: datetime.datetime
    lead_id: int
    care_managers: tuple[CareManagerRef, ...]
    screening_question_ids: tuple[int, ...]
    # (id, category) of each community resource.
    resources: tuple[tuple[int, str], ...]
    peer_group_ids: tuple[int, ...]


IdSource = Callable[[type[models.Model]], int]


class DemoRandom:
    """The few draws the generator needs, all from `random()`: about three times faster than
    `random.Random`'s integer methods, and just as deterministic for a given seed."""

    __slots__ = ("_rng", "random")

    def __init__(self, seed: int | str) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - invented demo data, nothing secret
        self.random = self._rng.random

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def randrange(self, stop: int) -> int:
        return int(self.random() * stop)

    def choice[T](self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def sample[T](self, items: Sequence[T], count: int) -> list[T]:
        pool, chosen = list(items), []
        for _ in range(count):
            chosen.append(pool.pop(int(self.random() * len(pool))))
        return chosen

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()


def counting_ids() -> IdSource:
    """Ids from plain counters: for generating rows without a database (tests, previews)."""
    counters: dict[type[models.Model], itertools.count[int]] = {}

    def next_id(model: type[models.Model]) -> int:
        return next(counters.setdefault(model, itertools.count(1)))

    return next_id


# --- the generator --------------------------------------------------------------------------

CURRENT_STATUSES = Weighted(
    [
        (S.REFERRED, 3),
        (S.SCREENING, 3),
        (S.OUTREACH, 8),
        (S.ACTIVE, 50),
        (S.MAINTENANCE, 12),
        (S.GRADUATED, 9),
        (S.DECLINED, 5),
        (S.NOT_A_FIT, 3),
        (S.DISENROLLED, 7),
    ]
)
PRIOR_STATUSES = Weighted([(S.GRADUATED, 60), (S.DISENROLLED, 25), (S.DECLINED, 15)])
# Reached contacts: about 2.5, 1.5 and 1 a month at high, medium and low intensity.
CONTACT_INTERVAL_DAYS = {IntensityLevel.HIGH: 12, IntensityLevel.MEDIUM: 20, IntensityLevel.LOW: 30}
LEVEL_WEIGHTS = {IntensityLevel.HIGH: 3, IntensityLevel.MEDIUM: 2, IntensityLevel.LOW: 1}
WORK_TIMES = tuple(datetime.time(hour, minute) for hour in range(8, 18) for minute in (0, 15, 30, 45))
MORNING_TIMES = WORK_TIMES[:16]  # 8:00 to 11:45
AFTERNOON_TIMES = WORK_TIMES[16:]  # 12:00 to 17:45


@dataclasses.dataclass(slots=True)
class Person:
    id: int
    unhoused: bool
    substance_use: bool
    # (support id, trusted to involve)
    supports: list[tuple[int, bool]]
    crisis_days: list[datetime.date]


@dataclasses.dataclass(slots=True)
class Episode:
    """One enrolment's timeline, decided before any of its rows are written."""

    status: str
    referred_on: datetime.date
    care_start: datetime.date | None = None
    enrolled_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    end_reason: str = ""
    screened: bool = False
    id: int = 0
    team_id: int | None = None
    primary: CareManagerRef | None = None
    earlier_primary: CareManagerRef | None = None
    transfer_on: datetime.date | None = None
    phase: str = Phase.ENGAGEMENT
    phase_changed_on: datetime.date | None = None
    level: str = IntensityLevel.MEDIUM
    ready_to_graduate: bool = False
    # When reached contacts stop (the person has gone quiet): makes the caseload overdue.
    quiet_from: datetime.date | None = None

    def manager_on(self, day: datetime.date) -> CareManagerRef:
        if self.earlier_primary is not None and self.transfer_on is not None and day < self.transfer_on:
            return self.earlier_primary
        if self.primary is None:
            raise ValueError("This episode has no care manager.")
        return self.primary


@dataclasses.dataclass(slots=True)
class ContactSummary:
    first_reached_at: datetime.datetime | None = None
    last_reached_at: datetime.datetime | None = None
    last_attempt_at: datetime.datetime | None = None
    reached_last_30_days: int = 0
    next_contact_on: datetime.date | None = None


@dataclasses.dataclass(slots=True)
class CareTeamSummary:
    has_primary_care_provider: bool = False
    # Members other than the primary care manager: steps can be given to them.
    other_member_ids: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class CheckInSummary:
    last_confidence: int | None = None
    dropped: bool = False
    readiness: str = ""


@dataclasses.dataclass(slots=True)
class PlanSummary:
    started_on: datetime.date | None = None
    # (goal id, status) of every goal.
    goals: list[tuple[int, str]] = dataclasses.field(default_factory=list)

    @property
    def open_goal_ids(self) -> list[int]:
        return [
            goal_id for goal_id, status in self.goals if status in (GoalStatus.ACTIVE, GoalStatus.PROPOSED)
        ]

    @property
    def achieved(self) -> int:
        return sum(1 for _, status in self.goals if status == GoalStatus.ACHIEVED)


@dataclasses.dataclass
class CaseloadTally:
    """Per care manager totals, for the supervision sessions and trend snapshots."""

    by_status: Counter[str] = dataclasses.field(default_factory=Counter)
    by_level: Counter[str] = dataclasses.field(default_factory=Counter)
    overdue: int = 0
    graduation_candidates: int = 0
    weighted_load: int = 0
    sample_enrollment_ids: list[int] = dataclasses.field(default_factory=list)

    def merge(self, other: "CaseloadTally") -> None:
        self.by_status.update(other.by_status)
        self.by_level.update(other.by_level)
        self.overdue += other.overdue
        self.graduation_candidates += other.graduation_candidates
        self.weighted_load += other.weighted_load
        room = 12 - len(self.sample_enrollment_ids)
        self.sample_enrollment_ids.extend(other.sample_enrollment_ids[:room])


class DemoGenerator:
    """Generates patients and everything about them, a chunk at a time.

    Each person is generated whole: their episodes' timelines are planned first (dates that
    satisfy every CHECK constraint), then every row hangs off those dates.
    """

    def __init__(self, world: DemoWorld, seed: int, next_id: IdSource) -> None:
        self.world = world
        self.seed = seed
        self.rng = DemoRandom(f"{seed}/-")  # replaced per chunk
        self.next_id = next_id
        self.specs = table_specs(world.now)
        self.today = world.today
        self.history_start = world.today - HISTORY_DAYS * DAY
        self.care_managers = Weighted([(cm, cm.weight) for cm in world.care_managers])
        self.tallies: dict[int, CaseloadTally] = {cm.id: CaseloadTally() for cm in world.care_managers}
        self.resources_by_category: dict[str, list[int]] = {}
        for resource_id, category in world.resources:
            self.resources_by_category.setdefault(category, []).append(resource_id)
        self._rows = ChunkRows(self.specs, patients=0)

    # -- public --------------------------------------------------------------------------------

    def chunk(self, number: int, first_index: int, count: int) -> ChunkRows:
        """Rows for patients number `first_index` .. `first_index + count - 1` (1-based MRNs).

        Each chunk draws from its own stream, seeded by the run's seed and the chunk number, so
        chunks can be generated in any order or in parallel and still come out the same.
        """
        self.rng = DemoRandom(f"{self.seed}/{number}")
        self._rows = ChunkRows(self.specs, patients=count)
        for index in range(first_index, first_index + count):
            self._add_person(index)
        return self._rows

    # -- shorthands ----------------------------------------------------------------------------

    def _add(self, model: type[models.Model], **values: Any) -> None:
        self._rows.add(model, values)

    def _days(self, low: int, high: int) -> datetime.timedelta:
        return (low + int(self.rng.random() * (high - low + 1))) * DAY

    def _at(self, day: datetime.date, times: Sequence[datetime.time] = WORK_TIMES) -> datetime.datetime:
        return datetime.datetime.combine(day, self.rng.choice(times), tzinfo=PROGRAM_TIME_ZONE)

    def _between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        span = (end - start).days
        return start if span <= 0 else start + int(self.rng.random() * (span + 1)) * DAY

    def _chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    # -- a person ------------------------------------------------------------------------------

    def _add_person(self, index: int) -> None:
        rng = self.rng
        person = Person(
            id=self.next_id(Patient),
            unhoused=self._chance(0.08),
            substance_use=self._chance(0.2),
            supports=[],
            crisis_days=[],
        )
        self._add_patient_row(person, index)
        current = self._plan_episode(CURRENT_STATUSES.pick(rng), end_by=self.today)
        episodes = [current]
        # A few people come back: a graduate who needs the program again, or someone re-referred.
        if current.status in (S.REFERRED, S.SCREENING, S.OUTREACH, S.ACTIVE) and self._chance(0.05):
            prior_end = current.referred_on - self._days(30, 365)
            episodes.insert(0, self._plan_episode(PRIOR_STATUSES.pick(rng), end_by=prior_end))
        self._add_supports(person, first_care_day=episodes[0].care_start or episodes[0].referred_on)
        self._add_pre_enrolment_events(person, episodes[0])
        previous_id = None
        for episode in episodes:
            self._add_episode(person, episode, previous_id)
            previous_id = episode.id

    def _add_patient_row(self, person: Person, index: int) -> None:
        rng = self.rng
        group = rng.random()
        if group < 0.52:
            first, pronouns, gender = rng.choice(FIRST_NAMES_WOMEN), "she/her", "Woman"
        elif group < 0.97:
            first, pronouns, gender = rng.choice(FIRST_NAMES_MEN), "he/him", "Man"
        else:
            first, pronouns, gender = rng.choice(FIRST_NAMES_NEUTRAL), "they/them", "Non-binary"
        if self._chance(0.12):
            pronouns, gender = "", ""
        last = invented_surname(rng)
        language = LANGUAGE_CHOICE.pick(rng)
        has_phone = self._chance(0.9)
        city, postal_code = rng.choice(CITIES)
        year = BIRTH_YEARS.pick(rng)
        self._add(
            Patient,
            id=person.id,
            program_id=self.world.program_id,
            mrn=f"DEMO-{index:06d}",
            legal_first_name=first,
            legal_last_name=last,
            preferred_name=rng.choice(NICKNAMES) if self._chance(0.2) else "",
            pronouns=pronouns,
            gender=gender,
            date_of_birth=datetime.date(year, 1, 1) + rng.randrange(365) * DAY,
            preferred_language=language,
            needs_interpreter=language != "English"
            and (language == "American Sign Language" or self._chance(0.65)),
            phone=demo_phone(rng) if has_phone else "",
            can_receive_texts=has_phone and self._chance(0.6),
            email=f"{first.lower()}.{last.lower()}{rng.randrange(100)}@example.com"
            if self._chance(0.25)
            else "",
            address_line=SHELTER_ADDRESS
            if person.unhoused
            else f"{rng.randint(1, 399)} {rng.choice(STREETS)}",
            city=city,
            postal_code=postal_code,
            preferred_contact_method=CONTACT_METHODS.pick(rng),
            best_times_to_reach=rng.choice(BEST_TIMES),
            preferred_meeting_places=rng.choice(MEETING_PLACES),
            care_preference_notes=rng.choice(CARE_PREFERENCE_NOTES),
        )

    def _add_supports(self, person: Person, first_care_day: datetime.date) -> None:
        rng = self.rng
        for _ in range(SUPPORT_COUNTS.pick(rng)):
            kind = SUPPORT_KIND_CHOICE.pick(rng)
            if kind in GROUP_SUPPORTS:
                name, relationship = rng.choice(GROUP_SUPPORTS[kind])
            elif kind == SupportKind.FAMILY:
                name, relationship = self._someone(), rng.choice(FAMILY_RELATIONSHIPS)
            elif kind == SupportKind.SPONSOR:
                name, relationship = f"{rng.choice(SUPPORT_FIRST_NAMES)} (sponsor)", "Sponsor"
            elif kind == SupportKind.COUNSELLOR:
                name, relationship = f"{self._someone()}, LMHC", "Counsellor"
            else:
                name, relationship = self._someone(), SupportKind(kind).label
            trusted = self._chance(0.5)
            support_id = self.next_id(CommunitySupport)
            person.supports.append((support_id, trusted))
            self._add(
                CommunitySupport,
                id=support_id,
                patient_id=person.id,
                kind=kind,
                name=name,
                relationship=relationship,
                phone=demo_phone(rng) if self._chance(0.7) else "",
                notes=rng.choice(SUPPORT_NOTES),
                is_trusted_to_involve=trusted,
                consent_to_contact_on=min(first_care_day + self._days(0, 30), self.today)
                if trusted
                else None,
                is_active=self._chance(0.93),
            )

    def _someone(self) -> str:
        return f"{self.rng.choice(SUPPORT_FIRST_NAMES)} {invented_surname(self.rng)}"

    def _add_pre_enrolment_events(self, person: Person, first: Episode) -> None:
        """Hospital use in the year before the referral: why most people were referred."""
        if not self._chance(0.4):
            return
        for _ in range(self.rng.randint(1, 2)):
            day = first.referred_on - self._days(5, 365)
            self._add_life_event(
                person, None, PRE_ENROLMENT_KIND_CHOICE.pick(self.rng), day, from_claims=True
            )

    # -- an episode's timeline -----------------------------------------------------------------

    def _plan_episode(self, status: str, end_by: datetime.date) -> Episode:
        """Dates that satisfy every constraint on Enrollment for the given status."""
        rng, today = self.rng, self.today
        if status == S.REFERRED:
            episode = Episode(status, referred_on=today - self._days(0, 14))
        elif status == S.SCREENING:
            episode = Episode(status, referred_on=today - self._days(1, 21))
            episode.team_id = self.care_managers.pick(rng).team_id if self._chance(0.5) else None
        elif status == S.OUTREACH:
            referred_on = today - self._days(3, 80)
            care_start = self._between(referred_on, min(referred_on + 6 * DAY, today))
            episode = Episode(status, referred_on=referred_on, care_start=care_start)
        elif status == S.ACTIVE:
            episode = self._enrolled_episode(status, enrolled_on=today - self._active_for() * DAY)
        elif status == S.MAINTENANCE:
            episode = self._enrolled_episode(status, enrolled_on=today - self._days(240, 1000))
        elif status == S.GRADUATED:
            ended_on = end_by - self._days(0, 600)
            episode = self._enrolled_episode(status, enrolled_on=ended_on - self._days(180, 540))
            episode.ended_on, episode.end_reason = ended_on, EndReason.GRADUATED
        elif status == S.DECLINED:
            ended_on = end_by - self._days(0, 400)
            if self._chance(0.5):  # declined once outreach had started
                care_start = ended_on - self._days(7, 60)
                episode = Episode(status, referred_on=care_start - self._days(0, 6), care_start=care_start)
            else:
                episode = Episode(
                    status, referred_on=ended_on - self._days(1, 20), screened=self._chance(0.5)
                )
            episode.ended_on, episode.end_reason = ended_on, EndReason.DECLINED
        elif status == S.NOT_A_FIT:
            ended_on = end_by - self._days(0, 400)
            episode = Episode(status, referred_on=ended_on - self._days(1, 20), screened=True)
            episode.ended_on, episode.end_reason = ended_on, EndReason.NOT_A_FIT
        else:
            episode = self._disenrolled_episode(end_by)
        if status not in (S.REFERRED, S.SCREENING, S.NOT_A_FIT) and not episode.screened:
            # Some referrals skip screening (a health plan list is screened already).
            episode.screened = self._chance(0.1)
        if episode.care_start is not None:
            self._assign_care_managers(episode, episode.care_start)
        self._plan_phase_and_level(episode)
        return episode

    def _active_for(self) -> int:
        """Days since enrolment for someone active: some new, most within two years."""
        mix = self.rng.random()
        if mix < 0.15:
            return self.rng.randint(1, 59)
        if mix < 0.6:
            return self.rng.randint(60, 365)
        return self.rng.randint(366, 900)

    def _enrolled_episode(self, status: str, enrolled_on: datetime.date) -> Episode:
        referred_on = enrolled_on - self._days(3, 45)
        care_start = self._between(referred_on, min(referred_on + 10 * DAY, enrolled_on))
        return Episode(status, referred_on=referred_on, care_start=care_start, enrolled_on=enrolled_on)

    def _disenrolled_episode(self, end_by: datetime.date) -> Episode:
        reason = DISENROLL_REASON_CHOICE.pick(self.rng)
        ended_on = end_by - self._days(0, 500)
        if reason == EndReason.UNABLE_TO_REACH:
            care_start = ended_on - self._days(45, 90)
            episode = Episode(S.DISENROLLED, referred_on=care_start - self._days(0, 6), care_start=care_start)
        else:
            episode = self._enrolled_episode(S.DISENROLLED, enrolled_on=ended_on - self._days(30, 400))
        episode.ended_on, episode.end_reason = ended_on, reason
        return episode

    def _assign_care_managers(self, episode: Episode, care_start: datetime.date) -> None:
        """A primary care manager (the team follows them); now and then an earlier one."""
        episode.primary = self.care_managers.pick(self.rng)
        episode.team_id = episode.primary.team_id
        span = ((episode.ended_on or self.today) - care_start).days
        if span >= 40 and self._chance(0.1):
            earlier = self.care_managers.pick(self.rng)
            if earlier.id != episode.primary.id:
                episode.earlier_primary = earlier
                episode.transfer_on = care_start + self._days(14, span - 7)

    def _plan_phase_and_level(self, episode: Episode) -> None:
        rng, today = self.rng, self.today
        if episode.enrolled_on is not None:
            in_care_days = ((episode.ended_on or today) - episode.enrolled_on).days
            wellness_chance = 1.0 if episode.status in (S.MAINTENANCE, S.GRADUATED) else 0.7
            if in_care_days >= 60 and self._chance(wellness_chance):
                episode.phase = Phase.WELLNESS
                change = episode.enrolled_on + self._days(20, min(120, in_care_days))
                episode.phase_changed_on = min(change, episode.ended_on or today)
        if episode.status == S.MAINTENANCE:
            episode.level = IntensityLevel.LOW if self._chance(0.7) else IntensityLevel.MEDIUM
            episode.ready_to_graduate = self._chance(0.35)
        elif episode.status == S.ACTIVE:
            weights = ENGAGEMENT_LEVELS if episode.phase == Phase.ENGAGEMENT else WELLNESS_LEVELS
            episode.level = weights.pick(rng)
            episode.ready_to_graduate = episode.phase == Phase.WELLNESS and self._chance(0.05)
        elif episode.status == S.OUTREACH:
            episode.level = IntensityLevel.HIGH
        if episode.ready_to_graduate:
            episode.level = IntensityLevel.LOW
        if episode.status in (S.ACTIVE, S.MAINTENANCE) and self._chance(0.12):
            episode.quiet_from = today - self._days(22, 70)

    # -- an episode's rows ---------------------------------------------------------------------

    def _add_episode(self, person: Person, episode: Episode, previous_id: int | None) -> None:
        episode.id = self.next_id(Enrollment)
        received_at = self._at(episode.referred_on, MORNING_TIMES)
        self._add_referral(episode, received_at)
        care_team = self._add_care_team(episode)
        plan = self._add_care_plan(person, episode, care_team.other_member_ids)
        self._add_assessment(person, episode)
        self._add_episode_events(person, episode)
        contacts = self._add_contacts(person, episode, plan)
        check_ins = self._add_check_ins(episode)
        self._add_success_moments(episode, plan)
        self._add_consents(person, episode)
        self._add_referrals_out(episode)
        self._add_peer_connection(episode)
        if episode.status == S.GRADUATED:
            self._add_graduation(episode)
        if episode.status in CARE_STATUSES:
            self._add_caseload_status(person, episode, contacts, check_ins, plan, care_team)
        self._add_enrollment_row(person, episode, previous_id, received_at, contacts)

    def _add_enrollment_row(
        self,
        person: Person,
        episode: Episode,
        previous_id: int | None,
        received_at: datetime.datetime,
        contacts: ContactSummary,
    ) -> None:
        first_reached_at = contacts.first_reached_at
        if episode.enrolled_on is not None and episode.care_start is not None:
            # Reached before enrolment, maybe before the six months of contacts we generate.
            earliest = self._at(self._between(episode.care_start, episode.enrolled_on), AFTERNOON_TIMES)
            first_reached_at = min(first_reached_at or earliest, earliest)
        self._add(
            Enrollment,
            id=episode.id,
            patient_id=person.id,
            program_id=self.world.program_id,
            team_id=episode.team_id,
            status=episode.status,
            status_changed_at=self._status_changed_at(episode, received_at),
            phase=episode.phase,
            phase_changed_on=episode.phase_changed_on,
            phase_change_evidence=(
                "Co-created plan in place and trust built: answers calls, keeps appointments."
                if episode.phase == Phase.WELLNESS
                else ""
            ),
            referred_on=episode.referred_on,
            enrolled_on=episode.enrolled_on,
            first_reached_at=first_reached_at,
            ended_on=episode.ended_on,
            end_reason=episode.end_reason,
            end_note=self._end_note(episode),
            reapproach_on=self._reapproach_on(episode),
            reapproach_preference=self._reapproach_preference(episode),
            previous_enrollment_id=previous_id,
        )

    def _status_changed_at(self, episode: Episode, received_at: datetime.datetime) -> datetime.datetime:
        if episode.ended_on is not None:
            return self._at(episode.ended_on, AFTERNOON_TIMES)
        if episode.status == S.MAINTENANCE and episode.enrolled_on is not None:
            return self._at(self._between(episode.enrolled_on + 120 * DAY, self.today), AFTERNOON_TIMES)
        if episode.enrolled_on is not None:
            return self._at(episode.enrolled_on, AFTERNOON_TIMES)
        if episode.care_start is not None:
            return self._at(episode.care_start, AFTERNOON_TIMES)
        if episode.status == S.SCREENING:
            return self._at(self._between(episode.referred_on, self.today), AFTERNOON_TIMES)
        return received_at

    def _end_note(self, episode: Episode) -> str:
        if episode.status == S.DECLINED:
            return self.rng.choice(DECLINE_NOTES)
        if episode.status == S.NOT_A_FIT:
            return self.rng.choice(NOT_A_FIT_DECISIONS)
        if episode.status == S.GRADUATED:
            return "Graduated to usual primary care with a plan for bad weeks."
        return END_NOTES.get(episode.end_reason, "")

    def _reapproach_on(self, episode: Episode) -> datetime.date | None:
        if episode.ended_on is None or episode.end_reason not in (
            EndReason.DECLINED,
            EndReason.UNABLE_TO_REACH,
        ):
            return None
        return episode.ended_on + self._days(60, 240) if self._chance(0.8) else None

    def _reapproach_preference(self, episode: Episode) -> str:
        if episode.end_reason in (EndReason.DECLINED, EndReason.UNABLE_TO_REACH):
            return self.rng.choice(REAPPROACH_PREFERENCES)
        return ""

    def _add_referral(self, episode: Episode, received_at: datetime.datetime) -> None:
        rng = self.rng
        source = REFERRAL_SOURCE_CHOICE.pick(rng)
        screener = self._screener(episode)
        screened_at = None
        if episode.screened:
            last = episode.care_start or episode.ended_on or self.today
            screened_at = self._at(self._between(episode.referred_on, last), AFTERNOON_TIMES)
        handoff_at, handoff_by, handoff_setting = None, "", ""
        if episode.care_start is not None and self._chance(0.7):
            handoff_by, handoff_setting = rng.choice(HANDOFFS)
            handoff_at = self._at(episode.care_start, AFTERNOON_TIMES)
        referral_id = self.next_id(Referral)
        self._add(
            Referral,
            id=referral_id,
            enrollment_id=episode.id,
            source=source,
            referrer_name=""
            if source == ReferralSource.SELF
            else f"{rng.choice(REFERRER_TITLES)} {invented_surname(rng)}",
            referrer_organization=rng.choice(REFERRER_ORGANIZATIONS[source]),
            referrer_phone="" if source == ReferralSource.SELF else demo_phone(rng),
            reason=rng.choice(REFERRAL_REASONS[source]),
            patient_priorities="; ".join(rng.sample(PATIENT_PRIORITIES, rng.randint(1, 3)))
            if self._chance(0.7)
            else "",
            urgency=URGENCY_CHOICE.pick(rng),
            received_at=received_at,
            received_by_id=self.world.lead_id,
            screened_at=screened_at,
            screened_by_id=screener if screened_at else None,
            decision_note=self._decision_note(episode, screened=screened_at is not None),
            handoff_at=handoff_at,
            handoff_by=handoff_by,
            handoff_setting=handoff_setting,
        )
        self._add_screening_answers(episode, referral_id)

    def _decision_note(self, episode: Episode, screened: bool) -> str:
        if episode.status == S.NOT_A_FIT:
            return self.rng.choice(NOT_A_FIT_DECISIONS)
        return self.rng.choice(SCREENING_DECISIONS) if screened else ""

    def _screener(self, episode: Episode) -> int:
        if episode.primary is not None and self._chance(0.5):
            return episode.primary.supervisor_id
        return self.world.lead_id

    def _add_screening_answers(self, episode: Episode, referral_id: int) -> None:
        questions = self.world.screening_question_ids
        if episode.status == S.SCREENING:
            questions = questions[: self.rng.randint(1, len(questions) - 1)]  # still being asked
        elif not episode.screened:
            return
        answers = NOT_A_FIT_ANSWERS if episode.status == S.NOT_A_FIT else FIT_ANSWERS
        for question_id in questions:
            response = answers.pick(self.rng)
            self._add(
                ScreeningAnswer,
                id=self.next_id(ScreeningAnswer),
                referral_id=referral_id,
                question_id=question_id,
                response=response,
                note="Asked the daughter; she was not sure." if response == ScreeningResponse.UNKNOWN else "",
            )

    def _add_care_team(self, episode: Episode) -> CareTeamSummary:
        """The primary care manager (and any earlier one) plus outside clinicians and colleagues.

        A transfer ends the earlier primary and starts the new one on the same day; as in
        patients.services.primary_care_manager_assign, the warm-transfer note is kept on the
        new primary's membership.
        """
        summary = CareTeamSummary()
        if episode.primary is None or episode.care_start is None:
            return summary
        rng = self.rng
        added_by = episode.primary.supervisor_id
        ended_on, end_reason = episode.ended_on, ("Enrolment ended" if episode.ended_on else "")
        start = episode.care_start
        if episode.earlier_primary is not None and episode.transfer_on is not None:
            self._add_member(
                episode,
                user_id=episode.earlier_primary.id,
                role=CareTeamRole.CARE_MANAGER,
                is_primary=True,
                started_on=start,
                ended_on=episode.transfer_on,
                end_reason="Transferred to another care manager",
                added_by_id=added_by,
            )
            start = episode.transfer_on
        self._add_member(
            episode,
            user_id=episode.primary.id,
            role=CareTeamRole.CARE_MANAGER,
            is_primary=True,
            started_on=start,
            ended_on=ended_on,
            end_reason=end_reason,
            added_by_id=added_by,
            transfer_note=rng.choice(TRANSFER_NOTES) if episode.transfer_on else "",
        )
        others = summary.other_member_ids
        joined = episode.enrolled_on or episode.care_start
        pcp_chance = 0.8 if episode.enrolled_on is not None else 0.4
        summary.has_primary_care_provider = self._chance(pcp_chance) or episode.ready_to_graduate
        if summary.has_primary_care_provider:
            others.append(
                self._add_member(
                    episode,
                    name=clinician_name(rng),
                    organization=rng.choice(PCP_CLINICS),
                    phone=demo_phone(rng),
                    role=CareTeamRole.PRIMARY_CARE_PROVIDER,
                    started_on=joined,
                    ended_on=ended_on,
                    end_reason=end_reason,
                    added_by_id=episode.primary.id,
                )
            )
        if episode.enrolled_on is not None and self._chance(0.15):
            others.append(
                self._add_member(
                    episode,
                    name=clinician_name(rng),
                    organization=rng.choice(PSYCHIATRY_CLINICS),
                    role=CareTeamRole.PSYCHIATRIST,
                    started_on=joined,
                    ended_on=ended_on,
                    end_reason=end_reason,
                    added_by_id=episode.primary.id,
                )
            )
        if episode.enrolled_on is not None and self._chance(0.12):
            colleague = self._colleague_of(episode)
            if colleague is not None:
                others.append(
                    self._add_member(
                        episode,
                        user_id=colleague.id,
                        role=COLLEAGUE_ROLES[colleague.discipline],
                        started_on=joined,
                        ended_on=ended_on,
                        end_reason=end_reason,
                        added_by_id=episode.primary.id,
                    )
                )
        return summary

    def _colleague_of(self, episode: Episode) -> CareManagerRef | None:
        primary = episode.manager_on(self.today)
        teammates = [
            cm
            for cm in self.world.care_managers
            if cm.team_id == primary.team_id and cm.discipline != primary.discipline
        ]
        return self.rng.choice(teammates) if teammates else None

    def _add_member(self, episode: Episode, **values: Any) -> int:
        member_id = self.next_id(CareTeamMember)
        self._add(CareTeamMember, id=member_id, enrollment_id=episode.id, **values)
        return member_id

    # -- care plan and assessment --------------------------------------------------------------

    def _add_care_plan(self, person: Person, episode: Episode, team_member_ids: list[int]) -> PlanSummary:
        plan = PlanSummary()
        if episode.primary is None or episode.care_start is None:
            return plan
        if episode.enrolled_on is None and not (episode.status == S.OUTREACH and self._chance(0.25)):
            return plan
        rng = self.rng
        last_day = episode.ended_on or self.today
        base = episode.enrolled_on or episode.care_start
        started_on = min(base + self._days(7, 45), last_day)
        reviewed_on = self._between(started_on, last_day) if self._chance(0.35) else None
        plan_id = self.next_id(CarePlan)
        author = episode.manager_on(started_on).id
        self._add(
            CarePlan,
            id=plan_id,
            enrollment_id=episode.id,
            status=CarePlanStatus.ACTIVE,
            co_created_with=rng.choice(CO_CREATED_WITH),
            co_created_where=rng.choice(CO_CREATED_WHERE),
            started_on=started_on,
            last_reviewed_on=reviewed_on,
            revision=rng.randint(1, 4),
            created_by_id=author,
        )
        if reviewed_on is not None:
            self._add(
                CarePlanReview,
                id=self.next_id(CarePlanReview),
                care_plan_id=plan_id,
                reviewed_on=reviewed_on,
                reviewed_by_id=episode.manager_on(reviewed_on).id,
                note=rng.choice(PLAN_REVIEW_NOTES),
            )
        plan.started_on = started_on
        ideas = rng.sample(GOAL_IDEAS, GOAL_COUNTS.pick(rng))
        for priority, idea in enumerate(ideas, start=1):
            status = self._goal_status(episode, priority)
            goal_id = self._add_goal(episode, plan_id, priority, idea, status, started_on, last_day, author)
            plan.goals.append((goal_id, status))
            self._add_steps(person, episode, goal_id, idea, status, started_on, last_day, team_member_ids)
        return plan

    def _goal_status(self, episode: Episode, priority: int) -> str:
        if episode.ready_to_graduate and priority == 1:
            return GoalStatus.ACHIEVED
        if episode.status == S.GRADUATED:
            return GOAL_STATUS_GRADUATED.pick(self.rng)
        if episode.enrolled_on is None:
            return GoalStatus.PROPOSED
        return GOAL_STATUS_ACTIVE.pick(self.rng)

    def _add_goal(
        self,
        episode: Episode,
        plan_id: int,
        priority: int,
        idea: GoalIdea,
        status: str,
        started_on: datetime.date,
        last_day: datetime.date,
        author: int,
    ) -> int:
        goal_id = self.next_id(Goal)
        changed_on = self._between(started_on, last_day)
        self._add(
            Goal,
            id=goal_id,
            care_plan_id=plan_id,
            patient_words=idea.words,
            team_framing=idea.framing,
            life_domain=idea.domain,
            priority=priority,
            why_it_matters=idea.why,
            success_looks_like=idea.success,
            target_on=started_on + self._days(60, 240) if self._chance(0.5) else None,
            status=status,
            status_changed_on=changed_on,
            achieved_on=changed_on if status == GoalStatus.ACHIEVED else None,
            created_by_id=author,
        )
        return goal_id

    def _add_steps(
        self,
        person: Person,
        episode: Episode,
        goal_id: int,
        idea: GoalIdea,
        status: str,
        started_on: datetime.date,
        last_day: datetime.date,
        team_member_ids: list[int],
    ) -> None:
        rng = self.rng
        if status in (GoalStatus.ACTIVE, GoalStatus.PROPOSED):
            count = 2 if self._chance(0.1) else 1
        else:
            count = 1 if self._chance(0.15) else 0  # finished goals keep a step now and then
        for position, (owner, description) in enumerate(rng.sample(STEP_IDEAS[idea.domain], count), start=1):
            owner_team_member_id = owner_support_id = None
            if owner == StepOwner.TEAM_MEMBER:
                if team_member_ids:
                    owner_team_member_id = rng.choice(team_member_ids)
                else:
                    owner = StepOwner.CARE_MANAGER
            elif owner == StepOwner.COMMUNITY_SUPPORT:
                if person.supports:
                    owner_support_id = rng.choice(person.supports)[0]
                else:
                    owner = StepOwner.PATIENT
            due_on = self._between(started_on, last_day + 30 * DAY) if self._chance(0.7) else None
            done = status == GoalStatus.ACHIEVED or (
                due_on is not None and due_on < self.today and self._chance(0.6)
            )
            self._add(
                Step,
                id=self.next_id(Step),
                goal_id=goal_id,
                description=description,
                owner=owner,
                owner_team_member_id=owner_team_member_id,
                owner_support_id=owner_support_id,
                due_on=due_on,
                completed_on=self._between(started_on, last_day) if done else None,
                position=position,
            )

    def _add_assessment(self, person: Person, episode: Episode) -> None:
        if episode.enrolled_on is None or episode.primary is None:
            return
        rng = self.rng
        last_day = episode.ended_on or self.today
        # Stepwise: what matters most first; other domains as the person is ready to talk about them.
        domains = [AssessmentDomainKind.WHAT_MATTERS_MOST] if self._chance(0.8) else []
        if self._chance(0.3):
            domains.append(AssessmentDomainKind.STRENGTHS)
        if self._chance(0.3):
            domains.append(rng.choice(OPTIONAL_ASSESSMENT_DOMAINS))
        if person.substance_use:
            domains.append(AssessmentDomainKind.SUBSTANCE_USE)
        for domain in domains:
            assessed_on = min(episode.enrolled_on + self._days(0, 30), last_day)
            need = "" if domain in NO_NEED_LEVEL_DOMAINS else NEED_LEVEL_CHOICE.pick(rng)
            self._add(
                AssessmentDomain,
                id=self.next_id(AssessmentDomain),
                enrollment_id=episode.id,
                domain=domain,
                summary=rng.choice(ASSESSMENT_SUMMARIES[domain]),
                need_level=need,
                assessed_on=assessed_on,
                assessed_by_id=episode.manager_on(assessed_on).id,
                is_part2=domain == AssessmentDomainKind.SUBSTANCE_USE,
            )

    # -- life events ---------------------------------------------------------------------------

    def _add_episode_events(self, person: Person, episode: Episode) -> None:
        start = episode.care_start or episode.referred_on
        end = episode.ended_on or self.today
        if (end - start).days < 7:
            return
        # Stable people had no crisis lately; people at high intensity often just had one.
        quiet_days = {IntensityLevel.LOW: 120, IntensityLevel.MEDIUM: 31}.get(episode.level, 0)
        if episode.status in CARE_STATUSES and episode.level == IntensityLevel.HIGH and self._chance(0.5):
            day = self.today - self._days(1, 28)
            if day >= start:
                self._add_life_event(person, episode, CRISIS_KIND_CHOICE.pick(self.rng), day)
        for _ in range(EVENT_COUNTS.pick(self.rng)):
            kind = LIFE_EVENT_KIND_CHOICE.pick(self.rng)
            day = self._between(start, end)
            if (
                kind in CRISIS_KINDS
                and episode.status in CARE_STATUSES
                and (self.today - day).days < quiet_days
            ):
                continue
            self._add_life_event(person, episode, kind, day)

    def _add_life_event(
        self,
        person: Person,
        episode: Episode | None,
        kind: str,
        day: datetime.date,
        from_claims: bool = False,
    ) -> None:
        rng = self.rng
        ended_on = None
        recorded_by = (
            None if from_claims else (episode.manager_on(day).id if episode and episode.primary else None)
        )
        source = LifeEventSource.CLAIMS if from_claims else EVENT_SOURCE_CHOICE.pick(rng)
        facility = rng.choice(FACILITIES) if kind in HOSPITAL_KINDS else ""
        if kind in (LifeEventKind.ADMISSION, LifeEventKind.READMISSION, LifeEventKind.INCARCERATION):
            ended_on = day + self._days(2, 12)
            if ended_on > self.today:
                ended_on = None  # still in hospital (or held) today
        self._emit_life_event(person, episode, kind, day, ended_on, facility, source, recorded_by)
        if kind in CRISIS_KINDS:
            person.crisis_days.append(day)
        if ended_on is not None and self._chance(0.4):
            follow_up = (
                LifeEventKind.RELEASE if kind == LifeEventKind.INCARCERATION else LifeEventKind.DISCHARGE
            )
            self._emit_life_event(person, episode, follow_up, ended_on, None, facility, source, recorded_by)

    def _emit_life_event(
        self,
        person: Person,
        episode: Episode | None,
        kind: str,
        day: datetime.date,
        ended_on: datetime.date | None,
        facility: str,
        source: str,
        recorded_by: int | None,
    ) -> None:
        self._add(
            LifeEvent,
            id=self.next_id(LifeEvent),
            patient_id=person.id,
            enrollment_id=episode.id if episode else None,
            kind=kind,
            occurred_on=day,
            ended_on=ended_on,
            facility=facility,
            note=self.rng.choice(LIFE_EVENT_NOTES[kind]),
            source=source,
            recorded_by_id=recorded_by,
        )

    # -- contacts ------------------------------------------------------------------------------

    def _add_contacts(self, person: Person, episode: Episode, plan: PlanSummary) -> ContactSummary:
        """Reached contacts at the episode's rhythm, with failed attempts before some of them."""
        summary = ContactSummary()
        if episode.care_start is None:
            return summary
        rng = self.rng
        end = min(episode.ended_on or self.today, self.today)
        day = max(episode.care_start, self.history_start) + self._days(0, 3)
        reached_modes = REACHED_MODE_UNHOUSED_CHOICE if person.unhoused else REACHED_MODE_CHOICE
        goal_ids = plan.open_goal_ids
        recent = self.today - 29 * DAY  # the last 30 days, today included
        while day <= end:
            interval, attempts, reached = self._touchpoint(episode, day)
            made_by = episode.manager_on(day).id
            for back in range(attempts, 0, -1):
                attempt_day = day - (back - 1) * DAY
                if attempt_day < episode.care_start:
                    continue
                summary.last_attempt_at = self._add_attempt(episode, attempt_day, made_by, reached)
            if reached:
                contact_id, occurred_at = self._add_reached(
                    person, episode, day, made_by, interval, reached_modes
                )
                summary.first_reached_at = summary.first_reached_at or occurred_at
                summary.last_reached_at = occurred_at
                summary.next_contact_on = day + interval * DAY
                if day >= recent:
                    summary.reached_last_30_days += 1
                if goal_ids and plan.started_on and day >= plan.started_on and self._chance(0.1):
                    self._add(
                        GoalProgress,
                        id=self.next_id(GoalProgress),
                        goal_id=rng.choice(goal_ids),
                        contact_id=contact_id,
                        note=rng.choice(GOAL_PROGRESS_NOTES),
                        recorded_at=occurred_at,
                        recorded_by_id=made_by,
                    )
            day += interval * DAY
        return summary

    def _touchpoint(self, episode: Episode, day: datetime.date) -> tuple[int, int, bool]:
        """Days until the next touchpoint, failed attempts before this one, and whether it reached."""
        rng = self.rng
        in_outreach = episode.enrolled_on is None or day < episode.enrolled_on
        quiet = episode.quiet_from is not None and day >= episode.quiet_from
        if in_outreach:  # an attempt every few days until the person answers
            return rng.randint(5, 12), 2 if self._chance(0.1) else 1, self._chance(0.3)
        if quiet:  # gone quiet: fewer tries, none answered
            return rng.randint(14, 28), 1, False
        interval = max(2, round(CONTACT_INTERVAL_DAYS[episode.level] * rng.uniform(0.7, 1.3)))
        return interval, ATTEMPT_COUNTS.pick(rng), True

    def _add_attempt(
        self, episode: Episode, day: datetime.date, made_by: int, then_reached: bool
    ) -> datetime.datetime:
        rng = self.rng
        mode = ATTEMPT_MODE_CHOICE.pick(rng)
        # An attempt on the day of a reached contact happens in the morning, before it.
        occurred_at = self._at(day, MORNING_TIMES if then_reached else WORK_TIMES)
        self._add(
            Contact,
            id=self.next_id(Contact),
            enrollment_id=episode.id,
            occurred_at=occurred_at,
            made_by_id=made_by,
            mode=mode,
            is_reached=False,
            duration_minutes=rng.choice(REMOTE_MINUTES[:2]) if mode != ContactMode.TEXT else None,
            note=rng.choice(ATTEMPT_NOTES[mode]),
            next_contact_on=day + self._days(1, 3) if self._chance(0.5) else None,
        )
        return occurred_at

    def _add_reached(
        self,
        person: Person,
        episode: Episode,
        day: datetime.date,
        made_by: int,
        interval: int,
        modes: Weighted[str],
    ) -> tuple[int, datetime.datetime]:
        rng = self.rng
        mode = modes.pick(rng)
        part2 = person.substance_use and self._chance(0.1)
        if mode == ContactMode.TEXT:
            minutes = None
        elif mode in (ContactMode.PHONE, ContactMode.VIDEO):
            minutes = rng.choice(REMOTE_MINUTES)
        else:
            minutes = rng.choice(IN_PERSON_MINUTES)
        occurred_at = self._at(day, AFTERNOON_TIMES)
        contact_id = self.next_id(Contact)
        self._add(
            Contact,
            id=contact_id,
            enrollment_id=episode.id,
            occurred_at=occurred_at,
            made_by_id=made_by,
            mode=mode,
            is_reached=True,
            duration_minutes=minutes,
            engagement_methods=rng.sample(ENGAGEMENT_METHODS, METHOD_COUNTS.pick(rng)),
            note=rng.choice(PART2_NOTES if part2 else REACHED_NOTES[mode]),
            is_part2=part2,
            next_contact_on=day + interval * DAY,
        )
        return contact_id, occurred_at

    # -- check-ins, successes, consent, referrals out, peers -------------------------------------

    def _add_check_ins(self, episode: Episode) -> CheckInSummary:
        summary = CheckInSummary()
        if episode.enrolled_on is None or episode.primary is None:
            return summary
        rng = self.rng
        end = min(episode.ended_on or self.today, self.today)
        days: list[datetime.date] = []
        day = max(episode.enrolled_on, self.history_start) + self._days(5, 30)
        while day <= end:
            days.append(day)
            day += self._days(90, 120)
        target = CONFIDENCE_BY_LEVEL[episode.level] + (1 if episode.ready_to_graduate else 0)
        drop = episode.status == S.ACTIVE and len(days) >= 2 and self._chance(0.05)
        for position, day in enumerate(days):
            steps_left = len(days) - 1 - position
            confidence = max(0, min(10, target - steps_left + rng.randint(-1, 1)))
            if drop and steps_left == 0:
                confidence = max(0, (summary.last_confidence or target) - rng.randint(3, 4))
            summary.dropped = drop
            summary.last_confidence = confidence
            self._emit_check_in(episode, day, CheckInKind.ROUTINE, confidence=confidence)
        if days and self._chance(0.25):
            self._emit_check_in(
                episode,
                self._between(days[0], end),
                CheckInKind.SATISFACTION_SURVEY,
                satisfaction=SATISFACTION_CHOICE.pick(rng),
                note=rng.choice(SATISFACTION_NOTES),
            )
        if (
            episode.ready_to_graduate
            or episode.status == S.GRADUATED
            or (episode.status == S.MAINTENANCE and self._chance(0.3))
        ):
            review_day = max(end - self._days(3, 30), episode.enrolled_on)
            if episode.ready_to_graduate or episode.status == S.GRADUATED:
                readiness = ReadinessView.READY
            else:
                readiness = READINESS_CHOICE.pick(rng)
            confidence = summary.last_confidence
            if readiness == ReadinessView.READY:
                confidence = max(confidence or 7, 7)
            summary.readiness = readiness
            self._emit_check_in(
                episode,
                review_day,
                CheckInKind.GRADUATION_REVIEW,
                confidence=confidence,
                readiness_to_graduate=readiness,
            )
        if episode.status == S.GRADUATED and episode.ended_on is not None:
            after = episode.ended_on + self._days(20, 40)
            if after <= self.today:
                self._emit_check_in(
                    episode, after, CheckInKind.POST_GRADUATION, confidence=rng.randint(6, 10)
                )
        return summary

    def _emit_check_in(self, episode: Episode, day: datetime.date, kind: str, **values: Any) -> None:
        rng = self.rng
        values.setdefault("note", rng.choice(CHECK_IN_NOTES))
        self._add(
            CheckIn,
            id=self.next_id(CheckIn),
            enrollment_id=episode.id,
            occurred_on=day,
            kind=kind,
            activation_score=rng.randint(30, 90) if self._chance(0.2) else None,
            recorded_by_id=episode.manager_on(day).id,
            **values,
        )

    def _add_success_moments(self, episode: Episode, plan: PlanSummary) -> None:
        if episode.primary is None or episode.care_start is None:
            return
        rng = self.rng
        end = min(episode.ended_on or self.today, self.today)
        if episode.enrolled_on is None:
            kinds = [SuccessKind.TRUST] if self._chance(0.15) else []
        elif episode.phase == Phase.ENGAGEMENT:
            kinds = [SuccessKind.TRUST] if self._chance(0.6) else []
        else:
            kinds = [SuccessKind.TRUST] if self._chance(0.2) else []
            kinds += [SUCCESS_KIND_LATER.pick(rng) for _ in range(rng.randint(0, 1))]
            if episode.status in (S.MAINTENANCE, S.GRADUATED):
                kinds.append(SuccessKind.STABILITY_INDEPENDENCE)
        goal_ids = [goal_id for goal_id, _ in plan.goals]
        for kind in kinds:
            day = self._between(
                episode.care_start if kind == SuccessKind.TRUST else episode.enrolled_on or end, end
            )
            self._add(
                SuccessMoment,
                id=self.next_id(SuccessMoment),
                enrollment_id=episode.id,
                occurred_on=day,
                kind=kind,
                description=rng.choice(SUCCESS_DESCRIPTIONS[kind]),
                goal_id=rng.choice(goal_ids)
                if goal_ids and kind != SuccessKind.TRUST and self._chance(0.4)
                else None,
                recorded_by_id=episode.manager_on(day).id,
            )

    def _add_consents(self, person: Person, episode: Episode) -> None:
        if episode.enrolled_on is None or episode.primary is None:
            return
        given_on, recorded_by = episode.enrolled_on, episode.manager_on(episode.enrolled_on).id
        stopped = episode.end_reason == EndReason.STOPPED_PARTICIPATING
        self._emit_consent(
            person,
            ConsentKind.PROGRAM_PARTICIPATION,
            given_on,
            recorded_by,
            revoked_on=episode.ended_on if stopped else None,
        )
        if self._chance(0.15):
            self._emit_consent(
                person,
                ConsentKind.SHARE_WITH_CARE_TEAM,
                given_on,
                recorded_by,
                recipient="Care team listed in Tandem",
                purpose="Coordinating care",
            )
        if any(trusted for _, trusted in person.supports) and self._chance(0.35):
            self._emit_consent(
                person,
                ConsentKind.CONTACT_SUPPORTS,
                given_on,
                recorded_by,
                recipient="Trusted supports named in the record",
            )
        if person.substance_use and self._chance(0.4):
            self._emit_consent(
                person,
                ConsentKind.SUBSTANCE_USE_DISCLOSURE,
                given_on,
                recorded_by,
                recipient="Harbor Family Health (primary care team)",
                purpose="Coordinate substance use and medical care",
                information_scope="Substance use assessment, plan and contact notes",
                expires_on=given_on + 365 * DAY,
            )

    def _emit_consent(
        self, person: Person, kind: str, given_on: datetime.date, recorded_by: int, **values: Any
    ) -> None:
        self._add(
            Consent,
            id=self.next_id(Consent),
            patient_id=person.id,
            kind=kind,
            given_on=given_on,
            recorded_by_id=recorded_by,
            **values,
        )

    def _add_referrals_out(self, episode: Episode) -> None:
        rng = self.rng
        if episode.status == S.NOT_A_FIT and episode.ended_on is not None:
            category = rng.choice(NOT_A_FIT_CATEGORIES)
            self._emit_referral_out(
                episode,
                category,
                episode.ended_on,
                self.world.lead_id,
                "Better fit for this service; warm handoff by phone.",
            )
        elif episode.status in (S.ACTIVE, S.MAINTENANCE) and episode.enrolled_on and self._chance(0.1):
            day = self._between(episode.enrolled_on, self.today)
            self._emit_referral_out(
                episode,
                rng.choice(CARE_REFERRAL_CATEGORIES),
                day,
                episode.manager_on(day).id,
                "Part of the care plan.",
            )

    def _emit_referral_out(
        self, episode: Episode, category: str, day: datetime.date, referred_by: int, reason: str
    ) -> None:
        rng = self.rng
        status = REFERRAL_OUT_STATUS_CHOICE.pick(rng)
        closed_on = (
            None if status == ReferralOutStatus.SENT else min(day + self._days(3, 40), max(day, self.today))
        )
        self._add(
            ReferralOut,
            id=self.next_id(ReferralOut),
            enrollment_id=episode.id,
            resource_id=rng.choice(self.resources_by_category.get(category) or [self.world.resources[0][0]]),
            reason=reason,
            referred_on=day,
            referred_by_id=referred_by,
            status=status,
            outcome_note={
                "delivered": "First appointment kept.",
                "could_not_contact": "Could not reach them; may retry.",
            }.get(status, ""),
            status_changed_on=closed_on or day,
            reason_code="no_response" if status == ReferralOutStatus.COULD_NOT_CONTACT else "",
            follow_up_on=day + datetime.timedelta(days=14) if closed_on is None else None,
            closed_on=closed_on,
        )

    def _add_peer_connection(self, episode: Episode) -> None:
        if episode.status not in (S.ACTIVE, S.MAINTENANCE) or episode.enrolled_on is None:
            return
        if not self._chance(0.08) or not self.world.peer_group_ids:
            return
        rng = self.rng
        started_on = self._between(episode.enrolled_on, self.today)
        in_group = self._chance(0.7)
        connection_id = self.next_id(PeerConnection)
        self._add(
            PeerConnection,
            id=connection_id,
            enrollment_id=episode.id,
            group_id=rng.choice(self.world.peer_group_ids) if in_group else None,
            mentor_name="" if in_group else rng.choice(PEER_MENTOR_NAMES),
            started_on=started_on,
            note="Went with the peer specialist the first time." if in_group else "Matched with a graduate.",
        )
        for _ in range(rng.randint(0, 2)):
            day = self._between(started_on, self.today)
            self._add(
                PeerContact,
                id=self.next_id(PeerContact),
                connection_id=connection_id,
                occurred_on=day,
                note="Came to the group." if in_group else "Coffee with the mentor.",
                recorded_by_id=episode.manager_on(day).id,
            )

    def _add_graduation(self, episode: Episode) -> None:
        if episode.ended_on is None:
            return
        rng = self.rng
        graduated_on = episode.ended_on
        graduation_id = self.next_id(Graduation)
        self._add(
            Graduation,
            id=graduation_id,
            enrollment_id=episode.id,
            graduated_on=graduated_on,
            patient_agreed_on=max(graduated_on - self._days(0, 14), episode.enrolled_on or graduated_on),
            criteria_reviewed=[label for _, label in GRADUATION_CRITERIA],
            handoff_summary=rng.choice(HANDOFF_SUMMARIES),
            prepared_by_id=episode.manager_on(graduated_on).id,
        )
        for days_after in (30, 60, 90):
            due_on = graduated_on + days_after * DAY
            done = due_on <= self.today and self._chance(0.85)
            self._add(
                FollowUpCheckIn,
                id=self.next_id(FollowUpCheckIn),
                graduation_id=graduation_id,
                days_after=days_after,
                due_on=due_on,
                completed_on=min(due_on + self._days(0, 5), self.today) if done else None,
                note=rng.choice(FOLLOW_UP_NOTES) if done else "",
            )

    # -- the caseload picture ------------------------------------------------------------------

    def _add_caseload_status(
        self,
        person: Person,
        episode: Episode,
        contacts: ContactSummary,
        check_ins: CheckInSummary,
        plan: PlanSummary,
        care_team: CareTeamSummary,
    ) -> None:
        """What the recompute job would show, worked out from the rows generated above."""
        today = self.today
        primary = episode.manager_on(today)
        last_crisis = max(person.crisis_days, default=None)
        days_since_crisis = (today - last_crisis).days if last_crisis else None
        new_to_program = episode.enrolled_on is None or (today - episode.enrolled_on).days < 60
        recommended, reasons = self._recommend(
            episode, contacts, check_ins, days_since_crisis, new_to_program
        )
        criteria = self._graduation_criteria(episode, check_ins, plan, care_team, days_since_crisis)
        candidate = episode.status in (S.ACTIVE, S.MAINTENANCE) and all(criteria)
        current, override = recommended, {}
        if self._chance(0.02):  # the team chose another level, for a stated reason and time
            current = self.rng.choice([level for level in IntensityLevel.values if level != recommended])
            override = {
                "override_reason": self.rng.choice(OVERRIDE_REASONS),
                "override_until": today + self._days(7, 60),
                "override_by_id": primary.supervisor_id,
            }
        next_due = contacts.next_contact_on or (episode.care_start or episode.referred_on) + 3 * DAY
        suggest_wellness = episode.phase == Phase.ENGAGEMENT and plan.started_on and not new_to_program
        self._add(
            CaseloadStatus,
            id=self.next_id(CaseloadStatus),
            enrollment_id=episode.id,
            care_manager_id=primary.id,
            recommended_level=recommended,
            recommendation_reasons=reasons,
            current_level=current,
            last_reached_contact_at=contacts.last_reached_at,
            last_attempt_at=contacts.last_attempt_at,
            reached_contacts_last_30_days=contacts.reached_last_30_days,
            next_contact_due_on=next_due,
            is_overdue=next_due < today,
            is_graduation_candidate=candidate,
            graduation_criteria=[
                {"key": key, "label": label, "met": met}
                for (key, label), met in zip(GRADUATION_CRITERIA, criteria, strict=True)
            ],
            suggested_phase=Phase.WELLNESS if suggest_wellness else "",
            computed_at=self.world.now,
            **override,
        )
        tally = self.tallies[primary.id]
        tally.by_status[episode.status] += 1
        tally.by_level[current] += 1
        tally.overdue += next_due < today
        tally.graduation_candidates += candidate
        tally.weighted_load += LEVEL_WEIGHTS[current]
        if len(tally.sample_enrollment_ids) < 12:
            tally.sample_enrollment_ids.append(episode.id)

    def _recommend(
        self,
        episode: Episode,
        contacts: ContactSummary,
        check_ins: CheckInSummary,
        days_since_crisis: int | None,
        new_to_program: bool,
    ) -> tuple[str, list[str]]:
        """The level the intensity rules would recommend (policy defaults), with their reasons."""
        reasons: list[str] = []
        if days_since_crisis is not None and days_since_crisis <= 30:
            reasons.append("Crisis in the last 30 days (ED visit, admission or crisis)")
        if check_ins.dropped:
            reasons.append("Confidence dropped 3 or more points")
        if new_to_program and episode.phase == Phase.ENGAGEMENT:
            reasons.append("Building trust: first 60 days or in outreach")
        if reasons:
            level = IntensityLevel.HIGH
        elif (days_since_crisis is None or days_since_crisis >= 90) and (check_ins.last_confidence or 0) >= 7:
            level = IntensityLevel.LOW
            reasons.append("No crisis in 90 days and confidence 7 or more")
        else:
            level = IntensityLevel.MEDIUM
            reasons.append("Steady: working on the plan")
        last_reached = contacts.last_reached_at
        if last_reached is None or (self.today - last_reached.date()).days > 21:
            reasons.append("No reached contact in 21 days")
        return level, reasons

    def _graduation_criteria(
        self,
        episode: Episode,
        check_ins: CheckInSummary,
        plan: PlanSummary,
        care_team: CareTeamSummary,
        days_since_crisis: int | None,
    ) -> list[bool]:
        """Whether each of GRADUATION_CRITERIA (the GraduationCriteria defaults) is met."""
        months_enrolled = (self.today - episode.enrolled_on).days / 30.4 if episode.enrolled_on else 0
        return [
            months_enrolled >= 6,
            days_since_crisis is None or days_since_crisis >= 90,
            plan.achieved >= 1,
            (check_ins.last_confidence or 0) >= 7,
            care_team.has_primary_care_provider,
            check_ins.readiness == ReadinessView.READY,
        ]


GRADUATION_CRITERIA = (
    ("months_enrolled", "Enrolled six months or more"),
    ("crisis_free", "No crisis in the last 90 days"),
    ("goals_achieved", "At least one goal achieved"),
    ("confidence", "Confidence 7 or more"),
    ("primary_care", "Connected to primary care"),
    ("patient_ready", "Feels ready to graduate"),
)
LANGUAGE_CHOICE = Weighted(LANGUAGES)
SUPPORT_FIRST_NAMES = FIRST_NAMES_WOMEN + FIRST_NAMES_MEN
FIT_ANSWERS = Weighted(
    [(ScreeningResponse.YES, 86), (ScreeningResponse.NO, 8), (ScreeningResponse.UNKNOWN, 6)]
)
NOT_A_FIT_ANSWERS = Weighted(
    [(ScreeningResponse.YES, 50), (ScreeningResponse.NO, 44), (ScreeningResponse.UNKNOWN, 6)]
)
BIRTH_YEARS = Weighted(
    [
        (year, 2 if year < 1956 else 4 if year < 1971 else 3 if year < 1991 else 1)
        for year in range(1940, 2006)
    ]
)
CONTACT_METHODS = Weighted([(method, 1) for method in PreferredContactMethod.values] + [("", 1)])
SUPPORT_COUNTS = Weighted([(0, 40), (1, 38), (2, 17), (3, 5)])
SUPPORT_KIND_CHOICE = Weighted(SUPPORT_KINDS)
REFERRAL_SOURCE_CHOICE = Weighted(REFERRAL_SOURCES)
URGENCY_CHOICE = Weighted([(Urgency.ROUTINE, 70), (Urgency.SOON, 22), (Urgency.URGENT, 8)])
DISENROLL_REASON_CHOICE = Weighted(DISENROLL_REASONS)
ENGAGEMENT_LEVELS = Weighted(
    [(IntensityLevel.HIGH, 45), (IntensityLevel.MEDIUM, 45), (IntensityLevel.LOW, 10)]
)
WELLNESS_LEVELS = Weighted([(IntensityLevel.HIGH, 15), (IntensityLevel.MEDIUM, 50), (IntensityLevel.LOW, 35)])
GOAL_COUNTS = Weighted([(1, 25), (2, 37), (3, 27), (4, 11)])
GOAL_STATUS_ACTIVE = Weighted(
    [
        (GoalStatus.ACTIVE, 55),
        (GoalStatus.ACHIEVED, 20),
        (GoalStatus.PROPOSED, 8),
        (GoalStatus.PAUSED, 10),
        (GoalStatus.LET_GO, 7),
    ]
)
GOAL_STATUS_GRADUATED = Weighted(
    [(GoalStatus.ACHIEVED, 65), (GoalStatus.ACTIVE, 20), (GoalStatus.LET_GO, 15)]
)
NEED_LEVEL_CHOICE = Weighted([(NeedLevel.NONE, 25), (NeedLevel.SOME, 55), (NeedLevel.URGENT, 20)])
NO_NEED_LEVEL_DOMAINS = (AssessmentDomainKind.WHAT_MATTERS_MOST, AssessmentDomainKind.STRENGTHS)
EVENT_COUNTS = Weighted([(0, 65), (1, 25), (2, 8), (3, 2)])
LIFE_EVENT_KIND_CHOICE = Weighted(LIFE_EVENT_KINDS)
PRE_ENROLMENT_KIND_CHOICE = Weighted(PRE_ENROLMENT_KINDS)
CRISIS_KIND_CHOICE = Weighted(
    [(LifeEventKind.ED_VISIT, 60), (LifeEventKind.ADMISSION, 25), (LifeEventKind.CRISIS, 15)]
)
HOSPITAL_KINDS = (
    LifeEventKind.ED_VISIT,
    LifeEventKind.ADMISSION,
    LifeEventKind.READMISSION,
    LifeEventKind.DISCHARGE,
)
EVENT_SOURCE_CHOICE = Weighted(
    [
        (LifeEventSource.PATIENT, 40),
        (LifeEventSource.CARE_TEAM, 30),
        (LifeEventSource.HOSPITAL_NOTICE, 25),
        (LifeEventSource.CLAIMS, 5),
    ]
)
REACHED_MODE_CHOICE = Weighted(REACHED_MODES)
REACHED_MODE_UNHOUSED_CHOICE = Weighted(REACHED_MODES_UNHOUSED)
ATTEMPT_MODE_CHOICE = Weighted(ATTEMPT_MODES)
ATTEMPT_COUNTS = Weighted([(0, 88), (1, 11), (2, 1)])
METHOD_COUNTS = Weighted([(0, 15), (1, 45), (2, 30), (3, 10)])
CONFIDENCE_BY_LEVEL = {IntensityLevel.HIGH: 4, IntensityLevel.MEDIUM: 6, IntensityLevel.LOW: 8}
SATISFACTION_CHOICE = Weighted([(1, 2), (2, 4), (3, 10), (4, 35), (5, 49)])
READINESS_CHOICE = Weighted(
    [(ReadinessView.READY, 30), (ReadinessView.UNSURE, 40), (ReadinessView.NOT_YET, 30)]
)
SUCCESS_KIND_LATER = Weighted(
    [(SuccessKind.MINDSET_INITIATIVE, 60), (SuccessKind.STABILITY_INDEPENDENCE, 40)]
)
NOT_A_FIT_CATEGORIES = (
    ResourceCategory.BEHAVIOURAL_HEALTH,
    ResourceCategory.SUBSTANCE_USE,
    ResourceCategory.LEGAL,
    ResourceCategory.PRIMARY_CARE,
    ResourceCategory.HOUSING,
)
CARE_REFERRAL_CATEGORIES = (
    ResourceCategory.FOOD,
    ResourceCategory.BENEFITS,
    ResourceCategory.TRANSPORT,
    ResourceCategory.EMPLOYMENT,
    ResourceCategory.PEER_SUPPORT,
    ResourceCategory.HOUSING,
    ResourceCategory.OTHER,
)
REFERRAL_OUT_STATUS_CHOICE = Weighted(
    [
        (ReferralOutStatus.SENT, 30),
        (ReferralOutStatus.DELIVERED, 50),
        (ReferralOutStatus.COULD_NOT_CONTACT, 20),
    ]
)


# People known only from hospital data: not referred, not enrolled, with admissions the health plan reported.
# Some have enough admissions to be candidates, so the admin's candidate list has people on it.
UTILISATION_ONLY_SHARE = 40  # one for every 40 demo patients


def utilisation_only_people(
    *, program_id: int, today: datetime.date, patients: int, seed: int
) -> tuple[list[Patient], list[list[LifeEvent]]]:
    """Synthetic people with one to three admissions in the last five months, from claims data. Returns
    the unsaved patients and, for each, their unsaved life events (patient set once the patients exist)."""
    rng = DemoRandom(f"{seed}/utilisation")
    people: list[Patient] = []
    events: list[list[LifeEvent]] = []
    for index in range(patients // UTILISATION_ONLY_SHARE):
        first = rng.choice(FIRST_NAMES_WOMEN + FIRST_NAMES_MEN)
        people.append(
            Patient(
                program_id=program_id,
                mrn=f"DEMO-U{index:05d}",
                legal_first_name=first,
                legal_last_name=invented_surname(rng),
                date_of_birth=datetime.date(BIRTH_YEARS.pick(rng), 1, 1) + rng.randrange(365) * DAY,
                preferred_language=LANGUAGE_CHOICE.pick(rng),
            )
        )
        days_ago = sorted(rng.sample(range(5, 150), rng.randint(1, 3)), reverse=True)
        events.append(
            [
                LifeEvent(
                    kind=LifeEventKind.ADMISSION,
                    occurred_on=today - days * DAY,
                    ended_on=today - (days - rng.randint(1, 4)) * DAY,
                    facility=rng.choice(("Demo General Hospital", "Demo Riverside Medical Center")),
                    source=LifeEventSource.CLAIMS,
                )
                for days in days_ago
            ]
        )
    return people, events
