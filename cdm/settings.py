"""CDM settings, read from the environment.

Development defaults apply only when DEBUG is on; with DEBUG off every secret must
come from the environment and the process refuses to start otherwise.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return number


DEBUG = env_bool("DEBUG", False)

# Secrets ---------------------------------------------------------------
DEV_SECRET_KEY = "django-insecure-cdm-development-only-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off CDM refuses to start without a real secret key: "
            "set SECRET_KEY to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG off: use at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. With DEBUG off list the host names CDM serves, comma-separated.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies of ours stand in front of CDM, each appending to X-Forwarded-For. The
# client address (audit log, login throttling) is the hop the outermost one appended; 0 = CDM is
# reached directly and X-Forwarded-For, which any client can write, is ignored (cdm/client_ip.py).
CDM_TRUSTED_PROXY_COUNT = env_int("CDM_TRUSTED_PROXY_COUNT", 0)

# Applications ------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "django_celery_results",
    "axes",
    "cdm",
    "customers",
    "segments",
    "consent",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages; WhiteNoise (above) has already answered static files.
    "cdm.middleware.RightsInSessionMiddleware",
    "cdm.middleware.PrivateCacheMiddleware",
    "cdm.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cdm.urls"
WSGI_APPLICATION = "cdm.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite file by default (embedded, zero set-up), PostgreSQL via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'cdm.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the dev server read while a seeding run writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # Every transaction takes the write lock when it begins. SQLite's default (DEFERRED) starts as a
        # reader and upgrades at the first write; two such upgrades at once make one fail with "database
        # is locked" at once, whatever the timeout: 500s for parallel edits of one record. IMMEDIATE
        # transactions queue instead, so the loser's service sees the winner's write and reports a conflict.
        "transaction_mode": "IMMEDIATE",
        # Seconds a transaction waits for the write lock (SQLite's busy timeout).
        "timeout": 20,
    }
    (BASE_DIR / "var").mkdir(exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by every server process (Redis, e.g. redis://127.0.0.1:6379/1): sessions are read from
# it, and each user's rights are kept in their session between requests (cdm.middleware). Without it,
# a per-process cache; rights are then kept in the session only with DEBUG on (one process).
CDM_CACHE_URL = os.environ.get("CDM_CACHE_URL", "")
if CDM_CACHE_URL:
    CACHES = {"default": {"BACKEND": "cdm.cache.CdmRedisCache", "LOCATION": CDM_CACHE_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CDM_RIGHTS_IN_SESSION = env_bool("CDM_RIGHTS_IN_SESSION", bool(CDM_CACHE_URL) or DEBUG)

AUTHENTICATION_BACKENDS = [
    # First: refuses every login (site, admin, API basic auth) of a locked-out user or address.
    "axes.backends.AxesStandaloneBackend",
    # Django's model permissions, read in the request's one rights query (cdm.rights._load_rights).
    "cdm.auth_backends.RightsBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A session ends after CDM_SESSION_IDLE_MINUTES without a request by the user (a page's own background
# polling does not count) and at the latest CDM_SESSION_MAX_HOURS after signing in (cdm/middleware.py).
CDM_SESSION_IDLE_MINUTES = env_int("CDM_SESSION_IDLE_MINUTES", 30, minimum=1)
CDM_SESSION_MAX_HOURS = env_int("CDM_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = CDM_SESSION_MAX_HOURS * 60 * 60
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): after CDM_LOGIN_FAILURE_LIMIT failed logins for one username, or
# from one client address (cdm/client_ip.py, behind CDM_TRUSTED_PROXY_COUNT proxies), logins are
# refused for CDM_LOGIN_COOLOFF_MINUTES after the last counted failure, on every login form. The
# answer is the same whether or not the username exists. Admins unlock under Axes › Access attempts.
CDM_LOGIN_FAILURE_LIMIT = env_int("CDM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
CDM_LOGIN_COOLOFF_MINUTES = env_int("CDM_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = CDM_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=CDM_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per user and per address
# A locked-out attempt neither counts nor extends the lockout: "try again in 15 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Never on success: a login to one's own account from an address would wipe that address's failures
# against other accounts.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "cdm.client_ip.client_ip"  # the audit log's address, same trusted proxies
AXES_LOCKOUT_CALLABLE = "cdm.auth_events.lockout_response"
# Failed logins are in the audit log (cdm/auth_events.py); successful ones need no second table.
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]  # static/vendor is filled from node_modules by `make assets`
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# In development WhiteNoise serves straight from the finders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# A strict Content-Security-Policy: no CDN, no inline script or style anywhere (admin included).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Guardian: anonymous users get no object permissions; no anonymous user row needed.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# History: django-simple-history records who changed what and why.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# CDM domain settings ------------------------------------------------------
CDM_DEFAULT_PHONE_REGION = os.environ.get("CDM_DEFAULT_PHONE_REGION", "US")
# Where the customers live: a phone typed in national form ("028 9099 3920") is searched as a number
# of each of these countries (ISO codes, comma-separated; the default is the demo's countries).
CDM_PHONE_SEARCH_REGIONS = [r.strip().upper() for r in os.environ.get(
    "CDM_PHONE_SEARCH_REGIONS", "US,GB,DE,FR,ES,IT,NL,CA,AT,PT,SE,PL,DK").split(",") if r.strip()]
CDM_DEMO_PASSWORD = os.environ.get("CDM_DEMO_PASSWORD", "cdm-demo")
# Satisfaction surveys: how long the signed link stays valid, and the address links in e-mails use.
CDM_SURVEY_MAX_AGE_DAYS = int(os.environ.get("CDM_SURVEY_MAX_AGE_DAYS", "14"))
# Data quality and verification (customers.services.quality, .verification): a record not updated or
# confirmed for this many months is stale; how long an e-mail verification link works; where SMS go
# (customers.sms: ConsoleBackend prints them, LocmemBackend keeps them in customers.sms.outbox).
CDM_QUALITY_STALE_MONTHS = env_int("CDM_QUALITY_STALE_MONTHS", 24, minimum=1)
CDM_VERIFY_EMAIL_MAX_AGE_HOURS = env_int("CDM_VERIFY_EMAIL_MAX_AGE_HOURS", 48, minimum=1)
CDM_SMS_BACKEND = os.environ.get("CDM_SMS_BACKEND", "customers.sms.ConsoleBackend")
CDM_PUBLIC_BASE_URL = os.environ.get("CDM_PUBLIC_BASE_URL", "").strip()
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CDM <no-reply@localhost>")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG
                               else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

# The largest file a steward may upload to the import (bytes).
CDM_IMPORT_MAX_BYTES = env_int("CDM_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
# Processes that check and normalise a large customer file's next batches while the importer writes the current
# one (customers.imports.bulk); 0 or 1: the importer does it itself.
CDM_IMPORT_WORKERS = env_int("CDM_IMPORT_WORKERS", min(os.cpu_count() or 1, 4), minimum=0)
# Customers with no activity, order, request or edit for this many days are archived (3 years).
CDM_ARCHIVE_AFTER_DAYS = int(os.environ.get("CDM_ARCHIVE_AFTER_DAYS", str(3 * 365)))
# Keyed hash for exact lookups of encrypted values (national ID); its own key, never SECRET_KEY.
CDM_BLIND_INDEX_KEY = os.environ.get("CDM_BLIND_INDEX_KEY", "")
if not CDM_BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CDM_BLIND_INDEX_KEY is not set. With DEBUG off set it to a long random value.")
    CDM_BLIND_INDEX_KEY = "cdm-development-blind-index-key"
CDM_BLIND_INDEX_KEY_FALLBACKS = env_list("CDM_BLIND_INDEX_KEY_FALLBACKS", [])

# Encryption at rest (cdm/crypto.py). CRYPTOGRAPHY_KEY encrypts, SECRET_KEY signs; the *_FALLBACKS
# lists keep values written with older keys readable while `manage.py rotate_keys` re-encrypts them.
CDM_ENCRYPTION_KEY = os.environ.get("CRYPTOGRAPHY_KEY", "")
if not CDM_ENCRYPTION_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "CRYPTOGRAPHY_KEY is not set. With DEBUG off set it to a long random value: it encrypts national IDs "
        "and financial data at rest."
    )

# CDM_PUBLIC_BASE_URL is checked after the keys, so a missing secret is the first thing a new deployment hears about.
if not CDM_PUBLIC_BASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CDM_PUBLIC_BASE_URL is not set. With DEBUG off set it to the address customers reach CDM at, "
            "e.g. https://cdm.example.com: links in e-mails (satisfaction surveys) are built from it."
        )
    CDM_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
elif urlsplit(CDM_PUBLIC_BASE_URL).scheme not in ("http", "https") or not urlsplit(CDM_PUBLIC_BASE_URL).netloc:
    raise ImproperlyConfigured(
        f"CDM_PUBLIC_BASE_URL must be an absolute http(s) address such as https://cdm.example.com, "
        f"not {CDM_PUBLIC_BASE_URL!r}."
    )

CDM_ENCRYPTION_KEY_FALLBACKS = env_list("CRYPTOGRAPHY_KEY_FALLBACKS", [])
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
CRYPTOGRAPHY_KEY = CDM_ENCRYPTION_KEY or None

# Celery: without a broker, tasks run in-process so the embedded default needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Results in the database: admins read them in the admin; the clean-up task expires them.
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = datetime.timedelta(days=int(os.environ.get("CDM_TASK_RESULT_DAYS", "14")))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Outbound webhooks (cdm/webhooks/). After a commit that wrote outbox events the relay is asked to run:
# "task" enqueues it (with a broker), "thread" runs it in a daemon thread (no broker: an eager task would
# wait on the destination inside the request), "off" leaves it to the periodic relay.
CDM_WEBHOOKS_RELAY_ON_COMMIT = os.environ.get("CDM_WEBHOOKS_RELAY_ON_COMMIT", "task" if CELERY_BROKER_URL else "thread")
if CDM_WEBHOOKS_RELAY_ON_COMMIT not in ("task", "thread", "off"):
    raise ImproperlyConfigured("CDM_WEBHOOKS_RELAY_ON_COMMIT must be task, thread or off.")
# Destinations on private, loopback or link-local addresses are refused unless this is on (it is with DEBUG).
CDM_WEBHOOKS_ALLOW_PRIVATE = env_bool("CDM_WEBHOOKS_ALLOW_PRIVATE", DEBUG)
CDM_WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("CDM_WEBHOOKS_TIMEOUT_SECONDS", "5"))
# An outgoing proxy for deliveries (empty: connect directly; the environment's proxy variables are ignored).
CDM_WEBHOOKS_PROXY = os.environ.get("CDM_WEBHOOKS_PROXY", "")

# API
REST_FRAMEWORK = {
    # Integrations send an API token (cdm.api.tokens); the browser its session (with CSRF). No passwords.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cdm.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "cdm.api.pagination.IdCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["cdm.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "cdm.api.errors.exception_handler",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per API token (or browser user) unless the token sets its own rate.
CDM_API_TOKEN_RATE = os.environ.get("CDM_API_TOKEN_RATE", "1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "CDM API",
    "DESCRIPTION": "Customer data in and out: upsert by your own id, batch upsert, Idempotency-Key on every POST, "
                   "ETag / If-Match on every record. Errors: {\"errors\": {field: [{\"code\", \"message\"}]}}.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from static files (drf-spectacular-sidecar): no CDN, the CSP stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets of one name in several models (by path: cdm imports no app).
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "customers.models.Activity.Kind",
        "ServiceRequestKindEnum": "customers.models.ServiceRequest.Kind",
        "ServiceRequestStatusEnum": "customers.models.ServiceRequest.Status",
        "ServiceRequestChannelEnum": "customers.models.ServiceRequest.Channel",
        "ServiceRequestPriorityEnum": "customers.models.ServiceRequest.Priority",
        "OrderStatusEnum": "customers.models.Order.Status",
        "OrderChannelEnum": "customers.models.Order.Channel",
        "HoldingStatusEnum": "customers.models.ProductHolding.Status",
        "DuplicateStatusEnum": "customers.models.DuplicateCandidate.Status",
        "ConsentMethodEnum": "consent.models.ConsentRecord.Method",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "cdm.api.schema.add_error_responses"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Production hardening: everything `manage.py check --deploy` asks for when DEBUG is off.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
