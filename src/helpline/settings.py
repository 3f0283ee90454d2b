"""Django settings for Helpline.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (SQLite file by default, PostgreSQL in production and CI),
``HELPLINE_SECRET_KEY``, ``HELPLINE_DEBUG``, ``HELPLINE_ALLOWED_HOSTS``, ``HELPLINE_DATA_DIR``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("HELPLINE_DATA_DIR", Path.cwd() / "var")).resolve()

SECRET_KEY = os.environ.get("HELPLINE_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = os.environ.get("HELPLINE_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("HELPLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("HELPLINE_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "channels",
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
]
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
MEDIA_URL = "/media/"

# Uploads: one attachment may not exceed this many bytes (rejected with a field error).
HELPLINE_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("HELPLINE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
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

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

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
