"""Hallmark settings.

Configuration comes only from the environment. Without any variables set the
project runs in its *embedded* mode: SQLite under var/, Celery tasks executed
in-process, documents on local disk. ``DJANGO_ENV=production`` turns every
safe-for-a-laptop default into a refusal to start (see ``_require``).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HALLMARK_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env(name)
    return [item.strip() for item in raw.split(",") if item.strip()] if raw else default


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = env(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_numbers(name: str, allowed: set[str]) -> dict[str, int]:
    """``name=number`` pairs separated by commas, e.g. ``counterfeit=24,default=48``; only known names."""
    table: dict[str, int] = {}
    for item in env_list(name, []):
        key, sep, raw = item.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or key not in allowed or not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not name=number with a name from {', '.join(sorted(allowed))}"
            )
        table[key] = int(raw)
    return table


ENVIRONMENT = env("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

_INSECURE_KEY = "hallmark-embedded-insecure-key-not-for-production-use-0123456789"


def _require(name: str, value: str) -> str:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


SECRET_KEY = env("DJANGO_SECRET_KEY") or ("" if PRODUCTION else _INSECURE_KEY)
if PRODUCTION:
    _require("DJANGO_SECRET_KEY", SECRET_KEY)
    if SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of at least 50 characters")

DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be on in production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION:
    _require("ALLOWED_HOSTS", ",".join(ALLOWED_HOSTS))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.apps.PortalConfig",
    "portal.apps.HallmarkAdminConfig",
    "sellers.apps.SellersConfig",
    "moderation.apps.ModerationConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.AuditorReadOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    # django-axes wants to be last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL in the usual URL form; without it, SQLite under var/.
_default_sqlite = f"sqlite:///{(VAR_DIR / 'hallmark.sqlite3').as_posix()}"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", _default_sqlite),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if PRODUCTION:
        raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes SQLite's write lock at BEGIN, which serialises writers
        # the way the audit chain needs (PostgreSQL locks the chain head row instead).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # PostgreSQL through Django's own backend and psycopg 3.
    _db = DATABASES["default"]
    _db["OPTIONS"] = {"connect_timeout": 5, **_db.get("OPTIONS", {})}
    if env_bool("DATABASE_BEHIND_POOLER", False):
        # PgBouncer in transaction mode hands each transaction to any server session,
        # so nothing may outlive one: no prepared statements, no server-side cursors,
        # and no pool of our own in front of the pooler.
        if env_bool("DATABASE_POOL", False):
            raise ImproperlyConfigured("DATABASE_POOL and DATABASE_BEHIND_POOLER exclude each other: the pooler pools")
        _db["OPTIONS"]["prepare_threshold"] = None
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # Parameters bound by the server, so psycopg prepares a query once it ran
        # five times on a connection and only executes it afterwards (plans reused).
        _db["OPTIONS"]["server_side_binding"] = True
        _db["OPTIONS"]["prepare_threshold"] = 5
        _db["DISABLE_SERVER_SIDE_CURSORS"] = False
        if env_bool("DATABASE_POOL", False):
            # Django's pool (psycopg_pool) keeps connections itself: no persistent ones beside it.
            _db["OPTIONS"]["pool"] = True
            _db["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -------------------------------------------------------------------
# Throttling and lock-outs need a cache shared by all web processes in production.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hallmark"}}

# --- Authentication ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Staff reach the console only after a TOTP check. The embedded demo may turn it
# off so a newcomer can look around; production refuses to.
HALLMARK_STAFF_2FA = env_bool("HALLMARK_STAFF_2FA", True)
if PRODUCTION and not HALLMARK_STAFF_2FA:
    raise ImproperlyConfigured("HALLMARK_STAFF_2FA cannot be switched off in production")
OTP_TOTP_ISSUER = "Hallmark"

AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_AGE = int(env("SESSION_IDLE_SECONDS", "3600"))
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers ----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("TRUST_X_FORWARDED_PROTO", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Django's admin sets a few style attributes; scripts stay strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en"
# Every user-facing string is marked for translation; a language is listed here
# once its catalogue under locale/ exists, so nobody gets half-translated pages.
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and private files ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Documents live in private storage and are served only by permission-checked
# views. MEDIA_URL is a placeholder no URL pattern serves (Django's test live
# server insists on having one); PrivateFileSystemStorage.url() refuses anyway.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/private-files-are-never-served-here/"
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    _documents = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _require("AWS_STORAGE_BUCKET_NAME", env("AWS_STORAGE_BUCKET_NAME")),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "local":
    _documents = {"BACKEND": "portal.storage.PrivateFileSystemStorage"}
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'")
STORAGES = {
    "default": _documents,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Hallmark Trust & Safety <trust@hallmark.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
elif PRODUCTION:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DJANGO_ENV=production")
else:
    # The embedded mode writes each message to a file under var/mail.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Celery ------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if PRODUCTION and CELERY_TASK_ALWAYS_EAGER:
    raise ImproperlyConfigured("CELERY_BROKER_URL must be set when DJANGO_ENV=production")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "hallmark")
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker died unacknowledged is redelivered after the visibility
# timeout. It must outlast any countdown or ETA we use (retries wait at most a
# few minutes), or Redis would redeliver a task that is merely waiting; shorter
# means faster recovery after a worker is killed.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "1800")),
    "unacked_restore_interval": int(env("CELERY_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": 1,
    # A broker that vanishes without closing the socket must not hang a publish.
    "socket_timeout": 10,
    "socket_connect_timeout": 3,
}
# Publishing must not hang a web request when the broker is down: the outbox
# and the sweeps pick the work up later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {"task": "portal.tasks.sweep_outbox", "schedule": 300.0},
    "auditors-expire": {"task": "portal.tasks.expire_auditors", "schedule": 600.0},
    "moderation-sla-sweep": {"task": "moderation.tasks.sweep_overdue_cases", "schedule": 300.0},
    "moderation-image-sweep": {"task": "moderation.tasks.sweep_pending_images", "schedule": 900.0},
    # Notices a lost triage run left waiting (the API schedules a run after each burst).
    "moderation-triage-sweep": {"task": "moderation.tasks.triage_notices", "schedule": 60.0},
    "sellers-authorization-sweep": {"task": "sellers.tasks.authorization_sweep", "schedule": 3600.0},
    # The sealer: each run seals what is waiting (a few ms when nothing is) and gives way to a
    # run already under way, so a run every second keeps the seal lag near a second.
    "audit-seal": {"task": "portal.tasks.seal_audit_log", "schedule": 1.0, "options": {"expires": 5}},
    "audit-checkpoints": {"task": "portal.tasks.record_audit_checkpoints", "schedule": 3600.0},
    "audit-verify": {"task": "portal.tasks.verify_audit_chain", "schedule": 6 * 3600.0},
    "sellers-recertification-sweep": {"task": "sellers.tasks.recertification_sweep", "schedule": 3600.0},
    "sellers-retention-sweep": {"task": "sellers.tasks.retention_sweep", "schedule": 86400.0},
    "sellers-quarantine-sweep": {"task": "sellers.tasks.sweep_quarantined_documents", "schedule": 300.0},
    "sellers-end-suspensions": {"task": "sellers.tasks.end_suspensions", "schedule": 900.0},
}

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api_auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api_auth.HasScopes"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api_auth.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_RATE_LIMIT", "6000/min")},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hallmark API",
    "DESCRIPTION": "Trust-and-safety API: notices, listings, the brand gate and the audit trail.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Hallmark ----------------------------------------------------------------------
# Payment accounts and similar KYB secrets are encrypted with this key (Fernet).
HALLMARK_FIELD_KEY = env("HALLMARK_FIELD_KEY") or ("" if PRODUCTION else "aGFsbG1hcmstZW1iZWRkZWQtZGVtby1maWVsZC1rZXk=")
if PRODUCTION:
    _require("HALLMARK_FIELD_KEY", HALLMARK_FIELD_KEY)
HALLMARK_SITE_URL = env("HALLMARK_SITE_URL", "http://127.0.0.1:8000")
# The audit log's Ed25519 key, in the signed-note text form
# (PRIVATE+KEY+<name>+<key id>+<key>; `manage.py audit_log_key` makes one). Its name
# is the log's origin line. Unset, a fixed demo key signs, which production refuses.
HALLMARK_LOG_SIGNING_KEY = env("HALLMARK_LOG_SIGNING_KEY")
if PRODUCTION:
    _require("HALLMARK_LOG_SIGNING_KEY", HALLMARK_LOG_SIGNING_KEY)
HALLMARK_LOG_ORIGIN = env("HALLMARK_LOG_ORIGIN", "hallmark.localhost/audit-log")  # the demo key's name only
# Verifier keys of retired signing keys, comma-separated, so their checkpoints still verify.
HALLMARK_LOG_OLD_VERIFIER_KEYS = env_list("HALLMARK_LOG_OLD_VERIFIER_KEYS", [])
# Seal each audit event in its writer's transaction: the embedded default (SQLite already
# serialises writers; no beat runs). Off on PostgreSQL, where the sealer runs on its own.
HALLMARK_AUDIT_SEAL_INLINE = env_bool(
    "HALLMARK_AUDIT_SEAL_INLINE", DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
)
# /healthz reports "degraded" when the oldest unsealed event is older than this (seconds):
# the sealer runs every second, so a minute means it is not running or cannot keep up.
HALLMARK_AUDIT_SEAL_LAG_LIMIT = 60.0
HALLMARK_OUTBOX_RETRY_AFTER = timedelta(minutes=2)

# Moderation: listing images are fetched only from these hosts (".example.com"
# allows subdomains); private, loopback and link-local addresses are refused
# unless MODERATION_IMAGE_ALLOW_PRIVATE is on (never in production).
MODERATION_IMAGE_HOSTS = env_list("MODERATION_IMAGE_HOSTS", [])
MODERATION_IMAGE_ALLOW_PRIVATE = env_bool("MODERATION_IMAGE_ALLOW_PRIVATE", False) and not PRODUCTION
MODERATION_IMAGE_MAX_BYTES = int(env("MODERATION_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))
MODERATION_IMAGE_TIMEOUT = float(env("MODERATION_IMAGE_TIMEOUT", "10"))
# Queue tunables; the services hold the defaults and these override them.
MODERATION_SLA_HOURS = env_numbers("MODERATION_SLA_HOURS", {"trusted_flagger", "counterfeit", "default"})
MODERATION_STRIKE_THRESHOLDS = env_numbers(
    "MODERATION_STRIKE_THRESHOLDS", {"warn", "restrict_new", "suspend", "propose_termination", "suspend_days"}
)
MODERATION_CLAIM_MINUTES = env_int("MODERATION_CLAIM_MINUTES", 15)
# Seconds between an API notice's commit and the triage run that files it into a case:
# notices arriving within it share one run.
MODERATION_TRIAGE_DELAY = env_int("MODERATION_TRIAGE_DELAY", 1, minimum=0)
MODERATION_NOTIFIER_UNFOUNDED_WARNING = env_int("MODERATION_NOTIFIER_UNFOUNDED_WARNING", 3)
MODERATION_REPORT_RATE = env("MODERATION_REPORT_RATE", "600/min")
if not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", MODERATION_REPORT_RATE):
    raise ImproperlyConfigured(
        f"MODERATION_REPORT_RATE must be a number of notices per s, min, hour or day (e.g. 600/min), "
        f"not {MODERATION_REPORT_RATE!r}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.context.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
