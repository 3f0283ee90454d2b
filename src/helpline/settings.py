"""Django settings for Helpline.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (SQLite file by default, PostgreSQL in production and CI),
``HELPLINE_SECRET_KEY``, ``HELPLINE_DEBUG``, ``HELPLINE_ALLOWED_HOSTS``, ``HELPLINE_DATA_DIR``.
The security settings (secret key, cookies, HSTS, CSP, throttles) are listed in
docs/operations.md, "Security".
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("HELPLINE_DATA_DIR", Path.cwd() / "var")).resolve()

#: The key that was once the default: it is public, so the system check refuses it.
INSECURE_DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"


def _secret_key() -> str:
    """``HELPLINE_SECRET_KEY``; else the installation's own key, kept in
    ``HELPLINE_SECRET_KEY_FILE`` (default ``$HELPLINE_DATA_DIR/secret_key``, written once with
    a random key and mode 0600). Without either (an empty file setting, a read-only data
    directory) the public development key is used, which the ``helpline.E001`` check
    refuses when DEBUG is off (``lib/checks.py``): the server does not start with it."""
    key = os.environ.get("HELPLINE_SECRET_KEY", "")
    path = os.environ.get("HELPLINE_SECRET_KEY_FILE", str(DATA_DIR / "secret_key"))
    if key or not path:
        return key or INSECURE_DEFAULT_SECRET_KEY
    key_file = Path(path)
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # the usual case; also a concurrent first start
        return key_file.read_text().strip() or INSECURE_DEFAULT_SECRET_KEY
    except OSError:  # read-only or missing data directory
        return INSECURE_DEFAULT_SECRET_KEY
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50) + "\n")
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("HELPLINE_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("HELPLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("HELPLINE_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "helpline.audit.adminsite.PlatformAdminConfig",  # superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "channels",
    "axes",
    "csp",
    "helpline.lib",
    "helpline.tenancy",
    "helpline.audit",
    "helpline.events",
    "helpline.customers",
    "helpline.cases",
    "helpline.routing",
    "helpline.channels",
    "helpline.notify",
    "helpline.portal",
    "helpline.sla",
    "helpline.desk",
    "helpline.configuration",
    "helpline.api",
    "helpline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpline.lib.security.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "helpline.tenancy.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it answers a locked-out login (docs/operations.md, "Security").
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpline.urls"
WSGI_APPLICATION = "helpline.wsgi.application"
ASGI_APPLICATION = "helpline.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'helpline.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the busy timeout instead of failing with "database is
    # locked" when they both try to upgrade a read lock (see docs/architecture.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
        ),
    }
    # Tests use a file (not :memory:) so that multi-process and live-server tests share it;
    # one file per test run so that concurrent runs on one machine never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "HELPLINE_TEST_SQLITE",
            str(Path(tempfile.gettempdir()) / f"helpline-test-{os.getpid()}.sqlite3"),
        )
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): an account, or an address, that failed
# HELPLINE_LOGIN_FAILURE_LIMIT times is refused for HELPLINE_LOGIN_COOLOFF_MINUTES, even with
# the right password; a successful login clears the count. The API has no password login
# (bearer tokens only), so this covers the desk login and the admin's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("HELPLINE_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HELPLINE_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # per account, and per address
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "helpline.lib.security.client_ip"
AXES_LOCKOUT_CALLABLE = "helpline.lib.security.login_locked_out"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("pt-br", _("Portuguese (Brazil)")),
    ("it", _("Italian")),
    ("cs", _("Czech")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
# Never served by path: attachments go out only through the views that check the reader's
# organisation (lib/files.py). "django" streams the file; "x-accel-redirect" (nginx) and
# "x-sendfile" (Apache, Caddy) hand it to the proxy at HELPLINE_MEDIA_INTERNAL_URL, an
# internal location mapped to MEDIA_ROOT (docs/operations.md).
MEDIA_URL = "/media/"
HELPLINE_MEDIA_SERVE = os.environ.get("HELPLINE_MEDIA_SERVE", "django")
HELPLINE_MEDIA_INTERNAL_URL = os.environ.get("HELPLINE_MEDIA_INTERNAL_URL", "/_protected_media/")

# Uploads: one attachment may not exceed this many bytes (rejected with a field error).
HELPLINE_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("HELPLINE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
)
# A whole request (form fields and files) may not exceed this; larger is refused with 413
# before anything is stored (lib/security.py, RequestSizeLimitMiddleware).
HELPLINE_MAX_REQUEST_BYTES = int(
    os.environ.get("HELPLINE_MAX_REQUEST_BYTES", 3 * HELPLINE_MAX_ATTACHMENT_BYTES + 1024 * 1024)
)
DATA_UPLOAD_MAX_MEMORY_SIZE = HELPLINE_MAX_ATTACHMENT_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Real time (Channels). One process (make run): the in-memory layer. Several processes:
# REDIS_URL=redis://127.0.0.1:6379/0 selects the Redis layer, which crosses processes.
REDIS_URL = os.environ.get("REDIS_URL", "")
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # A prefix per deployment (or test run) keeps channels on a shared Redis apart.
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("HELPLINE_CHANNEL_PREFIX", "helpline"),
            },
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)

# Background loops (lib/loops.py): dotted paths of ``async def loop(stop)`` functions. Apps
# append theirs here. They run inside the ASGI server when HELPLINE_LOOPS_IN_SERVER=1 (make
# run), else in their own process: ``python -m helpline run_loops``.
HELPLINE_LOOPS: list[str] = []
HELPLINE_LOOPS.append("helpline.routing.loops.routing_loop")  # routing: offers, timeouts
HELPLINE_ROUTING_TICK = float(os.environ.get("HELPLINE_ROUTING_TICK", "1"))
HELPLINE_ROUTING_CONFIG_TTL = float(os.environ.get("HELPLINE_ROUTING_CONFIG_TTL", "5"))
# Offer transactions commit with synchronous_commit = off on PostgreSQL (a database crash can
# lose the last offers, which are then made again; docs/routing.md "Guarantees"). 0: wait for
# the WAL flush like every other transaction.
HELPLINE_ROUTING_ASYNC_COMMIT = os.environ.get("HELPLINE_ROUTING_ASYNC_COMMIT", "1") == "1"
# Written channels (docs/channels.md): mail in by IMAP polling and the SMTP service, the
# recovery pass over stored-but-unprocessed mail, and the outbox sender.
HELPLINE_LOOPS += [
    "helpline.channels.email.imap.loop",
    "helpline.channels.email.smtp.loop",
    "helpline.channels.email.recovery.loop",
    "helpline.notify.outbox.loop",
]
HELPLINE_LOOPS.append("helpline.sla.ticker.loop")  # SLA warnings, breaches, escalations
HELPLINE_LOOPS_IN_SERVER = os.environ.get("HELPLINE_LOOPS_IN_SERVER", "0") == "1"

# Written channels and outgoing mail (docs/channels.md).
HELPLINE_PUBLIC_URL = os.environ.get("HELPLINE_PUBLIC_URL", "http://127.0.0.1:8000")
HELPLINE_MAIL_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("HELPLINE_MAIL_MAX_ATTACHMENT_BYTES", HELPLINE_MAX_ATTACHMENT_BYTES)
)
HELPLINE_MAIL_RATE_LIMIT_PER_HOUR = int(os.environ.get("HELPLINE_MAIL_RATE_LIMIT_PER_HOUR", 30))
HELPLINE_MAIL_MAX_HOPS = int(os.environ.get("HELPLINE_MAIL_MAX_HOPS", 30))
HELPLINE_MAIL_MAX_ATTEMPTS = int(os.environ.get("HELPLINE_MAIL_MAX_ATTEMPTS", 6))
HELPLINE_MAIL_SEND_INTERVAL = float(os.environ.get("HELPLINE_MAIL_SEND_INTERVAL", 5))
HELPLINE_IMAP_POLL_INTERVAL = float(os.environ.get("HELPLINE_IMAP_POLL_INTERVAL", 60))
HELPLINE_IMAP_IDLE_SECONDS = float(os.environ.get("HELPLINE_IMAP_IDLE_SECONDS", 300))
# The SMTP receiving service (python -m helpline smtp_receive); empty host: not started
# as a loop.
HELPLINE_SMTP_RECEIVE_HOST = os.environ.get("HELPLINE_SMTP_RECEIVE_HOST", "")
HELPLINE_SMTP_RECEIVE_PORT = int(os.environ.get("HELPLINE_SMTP_RECEIVE_PORT", 2525))
HELPLINE_SMTP_MAX_MESSAGE_BYTES = int(
    os.environ.get("HELPLINE_SMTP_MAX_MESSAGE_BYTES", 3 * HELPLINE_MAX_ATTACHMENT_BYTES)
)
# Outgoing mail (Django's SMTP backend). ``make run`` sends it to the demo's mail catcher
# (``python -m helpline mail_catcher``: .eml files under HELPLINE_DATA_DIR/mail), so the
# embedded default needs no mail server. The file backend, if chosen, writes to sent-mail.
EMAIL_BACKEND = os.environ.get(
    "HELPLINE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "sent-mail"
EMAIL_HOST = os.environ.get("HELPLINE_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("HELPLINE_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("HELPLINE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HELPLINE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("HELPLINE_EMAIL_TLS", "0") == "1"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("HELPLINE_DEFAULT_FROM_EMAIL", "helpline@localhost")
# Portal abuse protection: web-form submissions per IP and hour.
HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR = int(os.environ.get("HELPLINE_PORTAL_RATE_LIMIT", 10))
# Throttles of the public pages and identity checks (lib/throttle.py), per hour: failed
# status-page look-ups per address, chat starts per address, new identity checks and wrong
# identity answers per customer.
HELPLINE_STATUS_LOOKUP_LIMIT_PER_HOUR = int(os.environ.get("HELPLINE_STATUS_LOOKUP_LIMIT", 10))
HELPLINE_CHAT_START_LIMIT_PER_HOUR = int(os.environ.get("HELPLINE_CHAT_START_LIMIT", 5))
HELPLINE_IDENTITY_CHECKS_PER_HOUR = int(os.environ.get("HELPLINE_IDENTITY_CHECKS_PER_HOUR", 3))
HELPLINE_IDENTITY_FAILURES_PER_HOUR = int(os.environ.get("HELPLINE_IDENTITY_FAILURES_PER_HOUR", 5))
# Status links (the case status page) expire after this many days; a case's links can also
# be revoked from the desk (notify/services.py).
HELPLINE_STATUS_LINK_DAYS = int(os.environ.get("HELPLINE_STATUS_LINK_DAYS", 30))
# Raw web-form and status-page submissions that never became a case (refused, abandoned)
# are deleted after this many hours by the cleanup loop (channels/webform/cleanup.py).
HELPLINE_RAW_ABANDONED_HOURS = int(os.environ.get("HELPLINE_RAW_ABANDONED_HOURS", 48))
HELPLINE_LOOPS.append("helpline.channels.webform.cleanup.loop")

# The cache holds the throttle counters, so it must be shared by every process: Redis when
# REDIS_URL is set, else a table in the database (created by `migrate`).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "helpline_cache",
        }
    )
}


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "")
    return default if value == "" else value == "1"


# Transport security. Behind TLS (a public URL in https) the cookies are Secure and HSTS is
# sent, unless DEBUG; each can be set explicitly. HELPLINE_PROXY_SSL_HEADER=1 trusts the
# proxy's X-Forwarded-Proto (set it only when the proxy overwrites that header).
_HTTPS = HELPLINE_PUBLIC_URL.startswith("https://") and not DEBUG
SESSION_COOKIE_SECURE = _env_flag("HELPLINE_SECURE_COOKIES", _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("HELPLINE_HSTS_SECONDS", 31536000 if _HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("HELPLINE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = _env_flag("HELPLINE_SSL_REDIRECT", False)
if _env_flag("HELPLINE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions: 8 hours (a shift) by default when DEBUG is off, two weeks in development.
SESSION_COOKIE_AGE = int(
    os.environ.get("HELPLINE_SESSION_SECONDS", 14 * 24 * 3600 if DEBUG else 8 * 3600)
)
SESSION_EXPIRE_AT_BROWSER_CLOSE = _env_flag("HELPLINE_SESSION_BROWSER_CLOSE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
# Interactive API docs (/api/docs): public only if asked for; by default they need a login
# when DEBUG is off. The OpenAPI schema itself stays public (clients generate from it).
HELPLINE_API_DOCS_PUBLIC = _env_flag("HELPLINE_API_DOCS_PUBLIC", DEBUG)

# Content-Security-Policy (django-csp): scripts and style sheets from our origin only, and
# inline <script>/<style> only with the per-response nonce (``{{ request.csp_nonce }}``).
# Inline style *attributes* stay allowed (tenant brand colours as CSS variables); tenant
# logos may come from any https address.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HELPLINE_LOG_LEVEL", "WARNING")},
}

# Customers (docs/customers.md): the retention loop, the SMS port for one-time codes, how long
# an identity check lets its operator change account data.
HELPLINE_LOOPS += ["helpline.customers.gdpr.retention_loop"]
HELPLINE_RETENTION_INTERVAL = float(os.environ.get("HELPLINE_RETENTION_INTERVAL", "3600"))
HELPLINE_SMS_BACKEND = os.environ.get("HELPLINE_SMS_BACKEND", "helpline.customers.sms.InMemorySms")
HELPLINE_IDENTITY_CHECK_MINUTES = 15
HELPLINE_IDENTITY_CODE_MINUTES = 10
