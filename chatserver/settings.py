"""Settings, read from the environment (see README "Configuration").

With nothing set, the server runs on the embedded default: a SQLite file under ``var/`` and the
in-memory channel layer, for one process. ``DATABASE_URL`` and ``REDIS_URL`` move it onto PostgreSQL
and Redis for several processes and machines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chatserver.env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    # Without DEBUG a secret must be given; the run command sets DEBUG=1 for the demo.
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY is the development key: set a real one when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rooms",
    "moderation",
    "signaling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "chatserver.urls"
ASGI_APPLICATION = "chatserver.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
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

_SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
_database_url = env_str("DATABASE_URL", _SQLITE_DEFAULT)
try:
    _db: dict[str, Any] = dict(dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL={_database_url!r} cannot be used: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two writers
    # queue on the busy timeout instead of failing half-way through a transaction.
    _db["CONN_MAX_AGE"] = None
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
CHANNEL_PREFIX = env_str("CHANNEL_PREFIX", "peerchat")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer: half the CPU of the classic one and no silent drops under load
            # (../shared/notes/performance.md). It may drop across a Redis disconnect: clients
            # resume from the database by seq, which is the truth.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": env_int("REDIS_MAX_CONNECTIONS", 2000)}],
                # Redis pub/sub ignores the db number: deployments sharing one Redis need their own prefix.
                "prefix": CHANNEL_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "en"
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
WHITENOISE_USE_FINDERS = True

# Chat limits (docs/protocol.md).
CHAT_MAX_BODY_CHARS = env_int("CHAT_MAX_BODY_CHARS", 4000, minimum=1)
CHAT_MAX_FRAME_BYTES = env_int("CHAT_MAX_FRAME_BYTES", 65536, minimum=1024)
CHAT_RATE_LIMIT = env_rate("CHAT_RATE_LIMIT", "20/10")
CHAT_HISTORY_PAGE = env_int("CHAT_HISTORY_PAGE", 200, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Never log message contents: our own code logs ids only, and Django's request logger is kept at
    # WARNING so request bodies are never printed.
    "loggers": {"django.request": {"level": "WARNING"}, "daphne": {"level": "WARNING"}},
}

# Moderation and escalation (docs/moderation.md).
MODERATION_ESCALATE_AFTER = env_int("MODERATION_ESCALATE_AFTER", 120, minimum=1)  # seconds unacknowledged
MODERATION_POLL_SECONDS = env_int("MODERATION_POLL_SECONDS", 5, minimum=1)
ONCALL_EMAILS = env_list("ONCALL_EMAILS", [])
ESCALATION_WEBHOOK_URL = env_str("ESCALATION_WEBHOOK_URL", "")
if ESCALATION_WEBHOOK_URL and not ESCALATION_WEBHOOK_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"ESCALATION_WEBHOOK_URL={ESCALATION_WEBHOOK_URL!r} must be an http(s) URL")
CRISIS_RESOURCES_FILE = env_str("CRISIS_RESOURCES_FILE", "")
CRISIS_PROTOCOL_TEXT = env_str(
    "CRISIS_PROTOCOL_TEXT",
    "Staff have been alerted. Stay with your mentee, keep the conversation going, do not promise "
    "secrecy, and follow the program's crisis protocol: if there is immediate danger, call 9-1-1.",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peerchat@localhost")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
