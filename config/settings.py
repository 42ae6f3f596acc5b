"""Tongxin settings: one module, driven by the environment.

With nothing set it runs the embedded default (SQLite, a file-system Celery broker);
production is switched on by variables, never by a second settings file.
"""

import base64
import hashlib
import os
import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config.logging import audit_export

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TONGXIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
# Brokers that need no server: the embedded default's file transport (config.broker) and kombu's in-memory one.
EMBEDDED_BROKERS = ("localfs://", "filesystem://", "memory://")
if not DEBUG:
    required = {
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": ALLOWED_HOSTS,
        # The ID-number blind index needs its own key: deriving it from SECRET_KEY would tie a key rotation to a
        # re-hash of every person on file.
        "TONGXIN_HMAC_KEY": os.environ.get("TONGXIN_HMAC_KEY", ""),
        # The keys of the personal data encrypted at rest (workflows.fields), likewise independent of SECRET_KEY.
        "TONGXIN_FIELD_KEYS": os.environ.get("TONGXIN_FIELD_KEYS", "").strip(", "),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", ""),
        # Chosen explicitly: the default backend only logs, and a county must not believe its SMS go out.
        "TONGXIN_SMS_BACKEND": os.environ.get("TONGXIN_SMS_BACKEND", ""),
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            "Production needs %s set in the environment (see .env.example), or DEBUG=1 for development."
            % ", ".join(missing)
        )
    if os.environ["CELERY_BROKER_URL"].startswith(EMBEDDED_BROKERS):
        raise ImproperlyConfigured(
            "Production needs a real broker (CELERY_BROKER_URL=redis://…): the file broker serves one machine's "
            "first run only."
        )
elif not SECRET_KEY:
    # Development without a key (``make run`` provides one from var/secret_key): sessions end at restart.
    warnings.warn("SECRET_KEY is not set: using a random key for this process.", stacklevel=1)
    SECRET_KEY = secrets.token_urlsafe(50)
if DEBUG:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.apps.TongxinStaticFilesConfig",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "viewflow",
    "viewflow.workflow",
    "notifications",
    "workflows",
    "proposals",
    "nomination",
]

MIDDLEWARE = [
    "config.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (settings under "Security" below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "workflows.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (workflows.two_factor).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "workflows.middleware.StaleStateMiddleware",
    "workflows.security.HostileInputMiddleware",
    "workflows.security.SessionPolicyMiddleware",
    # After the session limits: holds a session that still owes its second factor (admin included).
    "workflows.two_factor.TwoFactorMiddleware",
    # Last: refuses a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "notifications.context_processors.unread_count",
                "workflows.context_processors.worklist",
            ],
        },
    },
]

# Database: PostgreSQL via DATABASE_URL in production and CI; SQLite otherwise.
if os.environ.get("DATABASE_URL"):
    # Health checks: a connection kept across requests is tested before use, so a database restart costs no 500.
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60,
                                                  conn_health_checks=True)}
else:
    # $TONGXIN_VAR_DIR must exist (a checkout has var/; ``make run`` creates it elsewhere).
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "tongxin.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers wait instead of failing mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The password policy (workflows.passwords): "mlps" (等保: composition, history, 90-day expiry) or "nist".
TONGXIN_PASSWORD_POLICY = os.environ.get("TONGXIN_PASSWORD_POLICY", "mlps")
if TONGXIN_PASSWORD_POLICY not in ("mlps", "nist"):
    raise ImproperlyConfigured("TONGXIN_PASSWORD_POLICY must be mlps or nist.")
_policy_defaults = {"mlps": (8, 5, 90), "nist": (8, 0, 0)}[TONGXIN_PASSWORD_POLICY]
TONGXIN_PASSWORD_MIN_LENGTH = int(os.environ.get("TONGXIN_PASSWORD_MIN_LENGTH", _policy_defaults[0]))
TONGXIN_PASSWORD_HISTORY = int(os.environ.get("TONGXIN_PASSWORD_HISTORY", _policy_defaults[1]))
TONGXIN_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("TONGXIN_PASSWORD_MAX_AGE_DAYS", _policy_defaults[2]))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": TONGXIN_PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    *([{"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
       {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
       {"NAME": "workflows.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}}]
      if TONGXIN_PASSWORD_POLICY == "mlps" else []),  # nosec B105  # a policy name, not a password
    # Always on: it also records each change, which expiry and the forced first change read.
    {"NAME": "workflows.passwords.PasswordHistoryValidator", "OPTIONS": {"count": TONGXIN_PASSWORD_HISTORY}},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "workflows.backends.ModelBackend"]
# Lockout (django-axes) per account and, separately, per address; a security administrator can unlock earlier.
AXES_FAILURE_LIMIT = int(os.environ.get("TONGXIN_LOGIN_FAILURE_LIMIT", 5))
_lockout_minutes = int(os.environ.get("TONGXIN_LOCKOUT_MINUTES", 30))
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "workflows.access.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Second factor (django-otp TOTP, recovery codes as one-time static tokens): required for administrators and the
# roles in workflows.two_factor.REQUIRED_ROLES, optional for everyone else; the demo (make run) turns it off.
TONGXIN_2FA_REQUIRED = env_bool("TONGXIN_2FA_REQUIRED", True)
OTP_TOTP_ISSUER = os.environ.get("TONGXIN_2FA_ISSUER", "同心")
# Wrong codes: each device waits 1, 2, 4, 8 … seconds after successive failures (django-otp's throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: use the socket's address).
TONGXIN_TRUSTED_PROXIES = int(os.environ.get("TONGXIN_TRUSTED_PROXIES", 0))
if env_bool("FAST_PASSWORD_HASHER"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Chinese by default whatever the browser says; a user's choice of English is remembered in a cookie.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest needs collectstatic; tests and DEBUG runs serve files straight from the finders.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", not DEBUG)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are never served at this URL (no route serves it): only through access-checked views.
MEDIA_URL = "/media/"

ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files and the folders made for them: owner only (the SQLite file is chmod 0600 by workflows.file_permissions).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Security: strict outside DEBUG so that `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
# Idle timeout (default 30 minutes, refreshed once a minute by workflows.security) and an absolute limit since login;
# the session cookie does not outlive the browser.
SESSION_COOKIE_AGE = int(os.environ.get("TONGXIN_SESSION_IDLE_MINUTES", 30)) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
TONGXIN_SESSION_MAX_HOURS = float(os.environ.get("TONGXIN_SESSION_MAX_HOURS", 12))
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere (templates bind behaviour through data attributes in static/js/tongxin.js);
# tests/test_headers.py scans the templates for what would break under this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Powerful browser features no page of Tongxin uses, refused to the page and anything it could embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera",
        "display-capture", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi",
        "payment", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Celery: Redis in production; the embedded default's file transport (config.broker) needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "localfs://")
if CELERY_BROKER_URL.startswith(EMBEDDED_BROKERS[:2]):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A publish error must never fail a web request: the outbox relay re-sends what was not published.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Reminders, escalation and delivery channels (workflows.reminders, workflows.sweeps, notifications).
# A broker that hangs (not refusing connections) must not hang the web: short socket timeouts on publish.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "socket_timeout": 3,
                                       "socket_connect_timeout": 2}
# Workers wait out a broker outage of any length instead of exiting after 100 reconnection attempts.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Periodic work (sweeps, timers, relay, digest) has its own queue, which every worker also consumes: a sweep never
# waits behind a backlog of sends.
CELERY_TASK_QUEUES = [Queue("celery"), Queue("periodic")]
CELERY_TASK_ROUTES = {"workflows.tasks.*": {"queue": "periodic"},
                      "notifications.tasks.relay_outbox": {"queue": "periodic"}}
if CELERY_BROKER_URL.startswith(EMBEDDED_BROKERS[:2]):
    # The file-system broker sleeps this long whenever a worker is busy; its default (1 s) sends two messages a
    # second, which would leave the demo's reminders behind its seed notifications for minutes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "polling_interval": 0.1}
# Defaults of the escalation levels (DOMAIN §2.7); stages and subject types may set their own.
TONGXIN_REMINDER_OFFSETS = [int(n) for n in env_list("TONGXIN_REMINDER_OFFSETS")] or [2, 0]
TONGXIN_YELLOW_AFTER_DAYS = int(os.environ.get("TONGXIN_YELLOW_AFTER_DAYS", 1))
TONGXIN_RED_AFTER_DAYS = int(os.environ.get("TONGXIN_RED_AFTER_DAYS", 4))
# 催办: at most once per due item and person in this many hours.
TONGXIN_URGE_INTERVAL_HOURS = int(os.environ.get("TONGXIN_URGE_INTERVAL_HOURS", 24))
# 委托 only within the principal's department(s) (组织部 / 统战部), refused when it is set up (workflows/README.md).
TONGXIN_DELEGATION_SAME_DEPARTMENT = env_bool("TONGXIN_DELEGATION_SAME_DEPARTMENT", True)
# The daily digest lists items due within this many working days, and the overdue ones.
TONGXIN_DIGEST_DAYS = int(os.environ.get("TONGXIN_DIGEST_DAYS", 2))
# Items per sweep transaction, and seconds a sweep may run before leaving the rest to the next beat. A batch costs a
# fixed number of statements, so bigger batches sweep a burst faster (bench/sweep.py: 100,000 items in 60 s at 1,000
# with two workers); a batch holds its due-item rows for about a second per 1,000 items.
TONGXIN_SWEEP_BATCH = int(os.environ.get("TONGXIN_SWEEP_BATCH", 1000))
TONGXIN_SWEEP_BUDGET = float(os.environ.get("TONGXIN_SWEEP_BUDGET", 50))
# SMS goes through an adapter; production names it explicitly (the logging backend sends nothing).
TONGXIN_SMS_BACKEND = os.environ.get("TONGXIN_SMS_BACKEND") or "notifications.sms.LoggingBackend"
# /health/: beat's tick and the sweep are stale after this many seconds; the outbox after its oldest waits this long.
TONGXIN_HEALTH_STALE_SECONDS = int(os.environ.get("TONGXIN_HEALTH_STALE_SECONDS", 300))
TONGXIN_HEALTH_OUTBOX_MAX_AGE = int(os.environ.get("TONGXIN_HEALTH_OUTBOX_MAX_AGE", 900))
# Seconds to wait for a WeCom or DingTalk robot; a slow robot must not hold a delivery row lock for long.
TONGXIN_WEBHOOK_TIMEOUT = float(os.environ.get("TONGXIN_WEBHOOK_TIMEOUT", 10))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tongxin@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# A hung SMTP server must not hold a delivery row lock for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 30))
# Absolute links in e-mails and webhooks.
TONGXIN_BASE_URL = os.environ.get("TONGXIN_BASE_URL", "http://localhost:8000")

# Key of the HMAC that finds duplicate ID numbers without comparing them in clear (rotate with a re-hash).
# Required in production; development derives one from SECRET_KEY.
TONGXIN_HMAC_KEY = os.environ.get("TONGXIN_HMAC_KEY") or hashlib.sha256(f"tongxin-id:{SECRET_KEY}".encode()).hexdigest()

# Keys of the personal data encrypted at rest (ID numbers, phones, addresses, family members; workflows.fields):
# comma-separated Fernet keys, the first encrypts, all decrypt. Rotation: put a new key first, run
# `manage.py rotate_field_keys`, then drop the old one. Required in production; development derives one key from
# SECRET_KEY (data written under a random SECRET_KEY cannot be read after a restart: ``make run`` keeps one).
TONGXIN_FIELD_KEYS = env_list("TONGXIN_FIELD_KEYS") or [
    base64.urlsafe_b64encode(hashlib.sha256(f"tongxin-fields:{SECRET_KEY}".encode()).digest()).decode()
]
for _field_key in TONGXIN_FIELD_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_field_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "TONGXIN_FIELD_KEYS must be comma-separated Fernet keys (32 url-safe base64-encoded bytes each), e.g. "
            "from `python3 -c \"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"`."
        ) from None

# The region whose local holidays (e.g. an autonomous prefecture's festivals) apply on top of the national calendar.
TONGXIN_CALENDAR_REGION = os.environ.get("TONGXIN_CALENDAR_REGION", "")

# One line per record with time, level, logger, request id and user (config.logging); LOG_FORMAT=json for a
# collector that parses JSON lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "config.logging.RequestContextFilter"}},
    "formatters": {"structured": {"()": "config.logging.StructuredFormatter",
                                  "json": os.environ.get("LOG_FORMAT", "text") == "json"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request"], "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Each committed audit row, as one JSON line with its chain seq and hash, to an append-only file or syslog
# (config.logging.audit_export): "" (none), /absolute/path, syslog, syslog://host:port.
TONGXIN_AUDIT_LOG = os.environ.get("TONGXIN_AUDIT_LOG", "")
_audit_formatters, _audit_handlers, _audit_loggers = audit_export(TONGXIN_AUDIT_LOG)
LOGGING["formatters"].update(_audit_formatters)
LOGGING["handlers"].update(_audit_handlers)
LOGGING["loggers"].update(_audit_loggers)
# Audit rows are kept in the database at least this many days (等保 2.0: 180); manage.py audit_archive moves older
# ones to a checksummed archive file.
TONGXIN_AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("TONGXIN_AUDIT_RETENTION_DAYS", 180)))
# A burst of refused requests or failed logins (this many in this many minutes, per address and overall) alerts the
# security administrators (workflows.audit_alerts, run by the due sweep).
TONGXIN_ALERT_THRESHOLD = int(os.environ.get("TONGXIN_ALERT_THRESHOLD", 20))
TONGXIN_ALERT_WINDOW_MINUTES = int(os.environ.get("TONGXIN_ALERT_WINDOW_MINUTES", 1))

# Error reporting to Sentry or a self-hosted GlitchTip, only when a DSN is given; no personal data is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0)),
        send_default_pii=False,
    )
