"""Settings for LMNS Safety, all read from the environment.

One module for every environment: a bare checkout runs on SQLite with Celery
tasks executed in-process; production sets DATABASE_URL, CELERY_BROKER_URL and
friends. docs/configuration.md lists every variable.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development only."
        )
    SECRET_KEY = "django-insecure-local-development-only"
# Rotating SECRET_KEY: the keys it replaced, comma-separated, still open what they signed or
# sealed (sessions, reset links, held emails: lmns/sealing.py) until those have expired.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Freedom to Speak Up: a confidential raiser's contact details are encrypted with this
# Fernet key (Fernet.generate_key()). Several keys, comma-separated, rotate: the first
# encrypts, all decrypt. Kept apart from SECRET_KEY so that rotating one leaves the other.
FTSU_ENCRYPTION_KEYS = env.list("FTSU_ENCRYPTION_KEY", default=[])
if not FTSU_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FTSU_ENCRYPTION_KEY is not set. Set it to a Fernet key (python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'), "
            "or set DEBUG=true for local development only."
        )
    # Development only: derived from the (development) secret key, so it is stable.
    FTSU_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"ftsu-dev:{SECRET_KEY}".encode()).digest()).decode()
    ]
for _key in FTSU_ENCRYPTION_KEYS:
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except ValueError:
        _valid = False
    if not _valid:
        raise ImproperlyConfigured("FTSU_ENCRYPTION_KEY must be Fernet keys: 32 bytes in URL-safe base64.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "lmns.admin_site.LmnsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "lmns",
    "incidents",
    "assurance",
    "workforce",
    "quality",
    "quality.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: no-store on every response after static files (lmns/middleware.py).
    "lmns.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps a session in use alive, writing it at most once a minute (lmns/sessions.py).
    "lmns.sessions.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Marks a session that passed the code step (request.user.is_verified()), then holds
    # a user who owes a code, or whose LMNS requires one, at the two-factor pages.
    "django_otp.middleware.OTPMiddleware",
    "lmns.two_factor.middleware.TwoFactorMiddleware",
    # Records who made each change in the audit trail (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "lmns.middleware.DatabaseRefusalMiddleware",
]

ROOT_URLCONF = "lmns.urls"
WSGI_APPLICATION = "lmns.wsgi.application"

_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "lmns.context_processors.navigation",
]
TEMPLATES = [
    # The product's pages: Jinja2 with the NHS.UK design system's macros (lmns/jinja2.py).
    {
        "BACKEND": "lmns.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "lmns.jinja2.environment",
            "app_globals": {"ssig_deadline": "incidents.jinja2.ssig_deadline"},
            "context_processors": _CONTEXT_PROCESSORS,
        },
    },
    # The admin's pages, the API's browsable ones and Django's own form widget templates.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
]
# Forms render in NHS.UK design-system markup (labels, hints, error messages).
FORM_RENDERER = "lmns.forms.NHSFormRenderer"

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Email: consolemail:// prints to the terminal; smtp+tls://user:pass@host:587 sends.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LMNS Safety <no-reply@lmns-safety.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=60 * 60)

# Lock-out after repeated failed sign-ins, per username and address pair, so an
# attacker elsewhere cannot lock a midwife out of her own account.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The sign-in log (issue #9): AccessLog keeps each sign-in and sign-out, AccessFailureLog each
# failed attempt (AccessAttempt is only the lock-out counter, cleared on success). Axes masks
# the password in what it keeps. The admin pages are ours, read-only (lmns.admin).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False
# Proxies in front (the load balancer): lock-out and rate limits take the client's address
# from X-Forwarded-For by this count, by one rule (lmns.client).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "lmns.client.client_address"

# Two-factor sign-in (django-otp): the name authenticator apps show beside the code, and
# how long a correct password waits for its code before the user must start again.
OTP_TOTP_ISSUER = "LMNS Safety"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
TWO_FACTOR_PENDING_SECONDS = env.int("TWO_FACTOR_PENDING_SECONDS", default=5 * 60)

# Sessions end after a period without activity, and when the browser closes:
# shared ward and office computers are common. A session in use is saved at most once a
# minute (lmns.sessions.IdleSessionMiddleware), not on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Production transport security; HTTPS=false only for local development and tests.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=HTTPS)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page's script and style come from our own static files: no inline script or style,
# no other origin (the NHS.UK font is not fetched), no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
# Uploaded and generated files (evidence, imports awaiting apply, background workbooks): never
# served directly, only streamed by views that check access first.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "lmns.storage.StaticStorage"},
}
# With a bucket named, those files go to S3 or an S3-compatible store (MinIO, Ceph...) instead
# of this machine's disk, so that web processes and workers on several machines share them.
# Credentials come the usual AWS ways (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the
# machine's role). https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _encryption = env.str("AWS_S3_SERVER_SIDE_ENCRYPTION", default="")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # "path" for stores addressed by host name without per-bucket DNS (MinIO, often).
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # Objects take the bucket's own access, which must be private: no public ACL.
            "default_acl": None,
            # A background job built again writes its one file name again (lmns.jobs).
            "file_overwrite": True,
            # AWS encrypts every object at rest already; ask explicitly ("AES256" or "aws:kms")
            # where the store does not, or to use a KMS key.
            "object_parameters": {"ServerSideEncryption": _encryption} if _encryption else {},
            # A download is read from the bucket into a temporary file that spills to disk
            # past this size, so that a large file does not sit in a web process's memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


def _retention_periods(value: str) -> dict[str, int]:
    periods = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        kind, _, days = (text.strip() for text in item.partition("="))
        if not (kind and days.isdigit() and int(days) >= 1):
            raise ImproperlyConfigured(
                f"RETENTION: {item!r} should be kind=days, days a whole number of at least 1, "
                "e.g. RETENTION=incidents=3650,sign_in_log=365."
            )
        periods[kind] = int(days)
    return periods


# Days each kind of record is kept before the nightly retention run deletes it
# (quality.retention, docs/data-protection.md). Unset, or a kind left out: kept for ever.
RETENTION = _retention_periods(env.str("RETENTION", default=""))

# Celery: with no broker, tasks run in-process (a bare checkout works); with one,
# a worker runs them. https://docs.celeryq.dev/en/stable/django/
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task survives a worker dying mid-run, so every task must be safe to repeat.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A whole worker killed (its main process too) holds its unacknowledged tasks in Redis until
# this many seconds pass; then another worker takes them. Far longer than the longest task
# (applying a 50,000-row import takes about a minute: bench/README.md), so that a task still
# running is seldom handed to a second worker, and harmless when it is (lmns.jobs and the
# imports claim their work). Redis's own default is an hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=30 * 60)
}
# An export job that shows no sign of life for this many seconds is put back on the queue
# by beat, once, and failed if it stops again (lmns.jobs.stale_jobs_requeue).
JOB_STALE_AFTER = env.int("JOB_STALE_AFTER", default=10 * 60)
# Run by exactly one `celery -A lmns beat`; times are Europe/London. `expires` stops
# a stale run firing after workers have been down for a long time.
CELERY_BEAT_SCHEDULE = {
    "ssig-deadline-reminders": {
        "task": "incidents.tasks.send_ssig_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 60 * 60 * 12},
    },
    "overdue-action-digests": {
        "task": "incidents.tasks.send_overdue_action_digests",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    "framework-deadline-reminders": {
        "task": "assurance.tasks.send_framework_deadline_reminders",
        "schedule": crontab(hour=7, minute=15),
        "options": {"expires": 60 * 60 * 12},
    },
    "overdue-action-plan-reminders": {
        "task": "assurance.tasks.send_overdue_action_plan_reminders",
        "schedule": crontab(hour=7, minute=45, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    "awaiting-verification-digests": {
        "task": "assurance.tasks.send_awaiting_verification_digests",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    "overdue-recommendation-reminders": {
        "task": "assurance.tasks.send_overdue_recommendation_reminders",
        "schedule": crontab(hour=8, minute=15, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    # Saving Babies' Lives: a quarter due or overdue from the provider, or awaiting the LMNS.
    "sbl-due-reminders": {
        "task": "assurance.tasks.send_sbl_due_reminders",
        "schedule": crontab(hour=8, minute=20, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    "sbl-awaiting-validation-reminders": {
        "task": "assurance.tasks.send_sbl_awaiting_validation_reminders",
        "schedule": crontab(hour=8, minute=25, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    "late-workforce-return-reminders": {
        "task": "workforce.tasks.send_late_return_reminders",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    # Highlight reports past the LMNS's due day and not yet submitted (incidents.highlights).
    "late-highlight-report-reminders": {
        "task": "incidents.tasks.send_late_highlight_reminders",
        "schedule": crontab(hour=8, minute=35, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    # A critical safety check is due in eight working days, so its reminder is daily.
    "overdue-safety-check-reminders": {
        "task": "workforce.tasks.send_overdue_check_reminders",
        "schedule": crontab(hour=8, minute=40, day_of_week="mon-fri"),
        "options": {"expires": 60 * 60 * 12},
    },
    # Actions agreed at SCORE debriefs, to their owners: due within a week, or overdue.
    "score-action-reminders": {
        "task": "workforce.tasks.send_score_action_reminders",
        "schedule": crontab(hour=8, minute=50, day_of_week="mon"),
        "options": {"expires": 60 * 60 * 12},
    },
    # The daily summary of work that arrived, for those who chose it (lmns.work_email): before
    # the working day, after the night's work has arrived.
    "work-digests": {
        "task": "lmns.tasks.send_work_digests",
        "schedule": crontab(hour=7, minute=5),
        "options": {"expires": 60 * 60 * 12},
    },
    # Jobs and emails queued while the broker was unreachable (lmns.outbox).
    "resend-unsent": {
        "task": "lmns.tasks.resend_unsent",
        "schedule": 60 * 5,
        "options": {"expires": 60 * 5},
    },
    # Export jobs whose worker died, put back on the queue once (lmns.jobs).
    "stale-jobs-requeue": {
        "task": "lmns.tasks.requeue_stale_jobs",
        "schedule": 60 * 2,
        "options": {"expires": 60 * 2},
    },
    # Delete what has passed its retention period; does nothing unless RETENTION is set.
    "apply-retention": {
        "task": "lmns.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 60 * 60 * 12},
    },
    # Freeze last month's quality view for every provider, for the board packs: on the 16th,
    # the day after that month's workforce returns fall due (workforce.models.RETURN_DUE_DAY).
    "quality-snapshots": {
        "task": "lmns.tasks.take_quality_snapshots",
        "schedule": crontab(hour=1, minute=0, day_of_month=16),
        "options": {"expires": 60 * 60 * 12},
    },
}

# The REST API (quality.api): JSON only, a bearer token per user (or the browser's session,
# with its CSRF check), pages of at most 100, filtered by the pages' own filtersets.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "quality.api.authentication.BearerTokenAuthentication",
        "quality.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["quality.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "quality.api.pagination.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LMNS Safety API",
    "DESCRIPTION": "Incidents, learning, safety actions, SSIG meetings, compliance assessments, "
    "workforce returns and quality figures, scoped to what the token's user may see. "
    "Send `Authorization: Bearer <token>`; create tokens under your account's API tokens page.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Like every page here, the schema is for signed-in users (or a token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files, as the Content-Security-Policy requires.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several records have a "status": name each set of choices after its record.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "LearningStatusEnum": "incidents.models.LearningStatus",
        "SafetyActionStatusEnum": "incidents.models.ActionStatus",
        "AssessmentItemStatusEnum": "assurance.models.Status",
    },
}

# The public address of the service, for links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
