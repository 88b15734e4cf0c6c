"""Atiende settings: one module, every value from an ATIENDE_* environment variable.

Embedded default: SQLite (WAL) and attachments under ATIENDE_DATA_DIR (./var), a secret key
generated there on first start. Production: set ATIENDE_DATABASE_URL, ATIENDE_SECRET_KEY,
ATIENDE_ALLOWED_HOSTS and ATIENDE_DEBUG=false (see docs/configuration.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"ATIENDE_{name}", default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "atiende.web.admin_site.AtiendeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # its Swagger UI files are served from here: without it, ninja loads them from a CDN
    "atiende.accounts.axes_i18n.SignInProtectionConfig",  # django-axes, named in both languages
    "atiende.core",
    "atiende.audit",
    "atiende.accounts",
    "atiende.tickets",
    "atiende.sla",
    "atiende.notifications",
    "atiende.canned",
    "atiende.mail",
    "atiende.cmdb",
    "atiende.changes",
    "atiende.knowledge",
    "atiende.surveys",
    "atiende.catalogue",
    "atiende.webhooks",
    "atiende.assignment",
    "atiende.automation",
    "atiende.reports",
    "atiende.improvement",
    "atiende.api",
    "atiende.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "atiende.core.middleware.ContentSecurityPolicyMiddleware",
    # The live ticket page's idle poll, answered from a signed poll token before the session
    # and the user are loaded (docs/live-desk.md); every other request passes through.
    "atiende.tickets.views.live.IdlePollMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, the user read with their team ids (one query).
    "atiende.accounts.middleware.SessionUserMiddleware",
    "atiende.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Domain errors that leave an HTML view: NotFound -> 404, Forbidden -> 403, Conflict -> 409.
    "atiende.core.http.DomainErrorMiddleware",
    # Form text with a lone surrogate (which no database stores) -> a 422 page.
    "atiende.core.http.LoneSurrogateMiddleware",
]

ROOT_URLCONF = "atiende.urls"
WSGI_APPLICATION = "atiende.wsgi.application"

# Django's form templates, with the select widget written in Python (core/form_renderer.py).
FORM_RENDERER = "atiende.core.form_renderer.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atiende.web.context_processors.navigation",
            ],
            # {% field form.x %} in every template (core/templatetags/form_field.py).
            "builtins": [
                "atiende.core.templatetags.form_field",
                "atiende.core.templatetags.urls",
            ],
            # {% load i18n %}: Django's, with a quicker {% translate "literal" %}.
            "libraries": {"i18n": "atiende.core.templatetags.i18n_quick"},
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'atiende.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections persist like PostgreSQL's: opening one runs the PRAGMAs below, and closing
    # the last one checkpoints the WAL; per request that cost 5.5 ms of a 13 ms creation.
    # The backend queues writers fairly across processes (atiende/core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "atiende.core.sqlite"
    # Tests use Django's in-memory SQLite database (said explicitly: tools such as
    # pytest-django recognise SQLite by the stock engine's name only).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the lock up front, so two writers queue
        # instead of failing with "database is locked" on lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;"
        ),
    }
# PostgreSQL: server-side parameters, so psycopg prepares a statement it has run five times on
# a connection and PostgreSQL stops planning it again (planning was 2.8 of the ticket page's
# 3.3 ms in the server; docs/performance.md). Off behind a transaction-mode PgBouncer
# without prepared-statement support: ATIENDE_DATABASE_SERVER_BINDING=false.
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_SERVER_BINDING", True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "atiende.accounts.permissions.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password reset and invitation links (accounts.tokens): single use; reset links expire after
# an hour, invitations after a week. Reset requests are throttled per address and per e-mail.
PASSWORD_RESET_TIMEOUT = int(env("PASSWORD_RESET_SECONDS", "3600"))
INVITATION_TIMEOUT = int(env("INVITATION_SECONDS", str(7 * 86400)))
PASSWORD_RESET_PER_ADDRESS = int(env("PASSWORD_RESET_PER_ADDRESS", "10"))
PASSWORD_RESET_PER_EMAIL = int(env("PASSWORD_RESET_PER_EMAIL", "3"))
PASSWORD_RESET_WINDOW = 3600
# "Was this helpful?" from people not signed in, per client address and hour.
KB_FEEDBACK_PER_ADDRESS = int(env("KB_FEEDBACK_PER_ADDRESS", "20"))
# The API-token card on a requester's account page (agents always see it).
REQUESTER_API_TOKENS = env_bool("REQUESTER_API_TOKENS", False)

# Sign-in throttling (django-axes with atiende.accounts.throttle; docs/deployment.md "Sign-in
# throttling"). Failures within the cool-off lock one username from one address, one username
# from anywhere but its known addresses, and one address for every username, each at its limit.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_USERNAME_FAILURE_LIMIT = int(env("LOGIN_USERNAME_FAILURE_LIMIT", "20"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = float(env("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["username"], ["ip_address"]]
AXES_HANDLER = "atiende.accounts.throttle.SignInThrottleHandler"
AXES_USERNAME_CALLABLE = "atiende.accounts.throttle.username_key"
AXES_LOCKOUT_CALLABLE = "atiende.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True  # only the pair that signed in (the handler's reset)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends; hammering cannot extend it
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# The client's address (atiende.core.proxy): REMOTE_ADDR, or with n trusted proxies in front,
# the n-th X-Forwarded-For entry from the right. Never X-Forwarded-For without a proxy.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "atiende.core.proxy.client_address"
AXES_VERBOSE = False

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# One long and one short date format per language (src/atiende/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["atiende.formats"]
TIME_ZONE = env("TIME_ZONE", "UTC")

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# `atiende run` (the embedded development server) sets ATIENDE_STATIC_AUTOREFRESH so edited
# CSS/JS is served without a restart; `atiende serve` (production) always turns it off.
WHITENOISE_AUTOREFRESH = env_bool("STATIC_AUTOREFRESH", False)
if WHITENOISE_AUTOREFRESH:
    WHITENOISE_MAX_AGE = 0  # browsers ask again for every file
# Likewise ATIENDE_TEMPLATE_AUTORELOAD: edited templates are used on the next request
# (atiende/web/template_reload.py).
TEMPLATE_AUTORELOAD = env_bool("TEMPLATE_AUTORELOAD", False)
MEDIA_ROOT = Path(env("MEDIA_DIR", str(DATA_DIR / "attachments")))
MEDIA_URL = "/media-not-served/"  # attachments are only served through access-checked views
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_MB", "25")) * 1024 * 1024
# File types nobody may attach (tickets.attachments.check_upload): programs and scripts that
# run when double-clicked. Content that starts like a program is refused whatever its name.
ATTACHMENT_BLOCKED_EXTENSIONS = frozenset(
    ext.lower().lstrip(".")
    for ext in env_list(
        "ATTACHMENT_BLOCKED_EXTENSIONS",
        # Gmail's list of blocked types, plus Unix and macOS programs and installers.
        "ade,adp,apk,app,appx,appxbundle,bat,cab,chm,cmd,com,command,cpl,deb,diagcab,dll,dmg,"
        "exe,hta,img,ins,iso,isp,jar,jnlp,js,jse,lib,lnk,mde,mjs,msc,msi,msix,msixbundle,msp,"
        "mst,nsh,pif,pkg,ps1,psm1,reg,rpm,scr,sct,sh,shb,sys,vb,vbe,vbs,vhd,vhdx,vxd,wsc,wsf,"
        "wsh,xll",
    )
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------
# Django's database sessions, the row read by a hand-written statement (core/sessions.py).
SESSION_ENGINE = "atiende.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (atiende.core.middleware): everything from this origin, nothing
# inline. Pages, the admin and the API docs need no 'unsafe-inline' or 'unsafe-eval'; htmx is
# told not to eval or inject styles (web/base.html). See docs/deployment.md "Security headers".
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Behind a TLS-terminating reverse proxy (docs/deployment.md "Behind a reverse proxy"). Only
# when the proxy sets X-Forwarded-Proto itself, overwriting what a client sent: otherwise any
# client could claim https.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The Host header is what the client sent unless the proxy is trusted to say otherwise.
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", False)
# HSTS only where the site is served over https, which secure cookies already assert.
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000")) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)

# --- Cache ------------------------------------------------------------------------------------
CACHE_URL = env("CACHE_URL", "")
CACHES: dict[str, dict] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Who has a ticket open (tickets/live.py). It must be shared by every worker process:
    # Redis when configured, otherwise files under the data directory (docs/live-desk.md).
    "presence": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "presence"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    ),
}

# --- Background work (Celery; see docs/background.md) -----------------------------------
# With ATIENDE_BROKER_URL (Redis), tasks run on `atiende worker` processes and periodic jobs
# are sent by `atiende scheduler`. Without it, `.delay()` runs the task inline and `atiende run`
# runs the periodic jobs in a thread of its own process.
from atiende.core.background import beat_schedule, periodic_jobs  # noqa: E402 - no models

BROKER_URL = env("BROKER_URL", "")
CELERY_BROKER_URL = BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False  # a failed side effect is logged, never a 500
CELERY_RESULT_BACKEND = None  # tasks are fire-and-forget; outcomes live in the database
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran; if its worker dies, Redis hands it to another one
# (tasks are idempotent, so a second run is harmless).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("TASK_VISIBILITY_SECONDS", "3600"))
}
# How many workers share each time-rule sweep on PostgreSQL (automation/tasks.py): the
# periodic task sends this many minus one more, and they split the due tickets.
AUTOMATION_SWEEPERS = max(1, int(env("AUTOMATION_SWEEPERS", "2")))
CELERY_BEAT_SCHEDULE = beat_schedule(periodic_jobs())  # ATIENDE_SLA_SWEEP_SECONDS, ...
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep Django's LOGGING

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "atiende@localhost")

# --- Outgoing webhooks (see docs/webhooks.md) ---------------------------------------------
# Targets must be public addresses; these networks (CIDR, comma-separated, e.g.
# "10.20.0.0/16,fd12::/48") are allowed too, for on-premise receivers. Cloud metadata
# addresses are refused even inside them.
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", "")
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_MAX_ATTEMPTS = int(env("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_BASE_SECONDS = float(env("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(env("WEBHOOK_RETRY_MAX_SECONDS", "21600"))
WEBHOOK_DISABLE_AFTER = int(env("WEBHOOK_DISABLE_AFTER", "15"))
# Pending approvals older than this many hours remind their approver, once a day.
APPROVAL_REMINDER_HOURS = int(env("APPROVAL_REMINDER_HOURS", "24"))
WEBHOOK_PASS_SECONDS = float(env("WEBHOOK_PASS_SECONDS", "20"))

# --- Outbound e-mail: the outbox and its delivery (see docs/mail.md) -----------------------
# With ATIENDE_SMTP_HOST the outbox is delivered over SMTP. Without it (and without an explicit
# ATIENDE_EMAIL_BACKEND) nothing is sent: notifications stay queued, nothing is lost, and the
# admin's outbox page says why; they go out once SMTP is configured.
SMTP_HOST = env("SMTP_HOST", "")
if SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_HOST
    EMAIL_PORT = int(env("SMTP_PORT", "587"))
    EMAIL_HOST_USER = env("SMTP_USER", "")
    EMAIL_HOST_PASSWORD = env("SMTP_PASSWORD", "")
    _smtp_tls = env("SMTP_TLS", "starttls").strip().lower()  # starttls | ssl | none
    EMAIL_USE_TLS = _smtp_tls == "starttls"
    EMAIL_USE_SSL = _smtp_tls == "ssl"
EMAIL_TIMEOUT = int(env("SMTP_TIMEOUT", "30"))
OUTBOX_DELIVERY = bool(SMTP_HOST or env("EMAIL_BACKEND", ""))
OUTBOX_MAX_ATTEMPTS = int(env("MAIL_MAX_ATTEMPTS", "8"))  # refusals by the server, then failed
OUTBOX_RETRY_SECONDS = int(env("MAIL_RETRY_SECONDS", "60"))  # first retry; doubles each time
OUTBOX_RETRY_MAX_SECONDS = int(env("MAIL_RETRY_MAX_SECONDS", "3600"))
OUTBOX_BATCH = int(env("MAIL_SEND_BATCH", "200"))  # messages per delivery run
OUTBOX_KEEP_DAYS = int(env("MAIL_KEEP_DAYS", "90"))  # sent mail kept this long (0: forever)
MAIL_AUTO_PER_HOUR = int(env("MAIL_AUTO_PER_HOUR", "10"))  # automatic mail per address per hour
MAIL_FROM_NAME = env("MAIL_FROM_NAME", "Atiende")  # display name of the desk's mail
MAIL_SLA_NOTIFICATIONS = env_bool("MAIL_SLA_NOTIFICATIONS", True)  # SLA warnings by e-mail too
MAIL_REPLY_HISTORY = int(env("MAIL_REPLY_HISTORY", "3"))  # earlier replies quoted in a reply mail
# The domain of the Message-IDs Atiende generates (how our own mail is recognised when it
# comes back); by default the domain of the sender address.
MAIL_DOMAIN = env("MAIL_DOMAIN", "") or DEFAULT_FROM_EMAIL.rpartition("@")[2] or "atiende.invalid"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
