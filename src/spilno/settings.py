"""Django settings. Everything that differs between machines comes from the environment.

- ``SPILNO_DATA_DIR``: folder for the SQLite database, keys and generated files
  (default ``./data``).
- ``DATABASE_URL``: selects the database (SQLite in the data folder when unset).
- ``SPILNO_SECRET_KEY``: Django's secret key; generated once into the data folder when unset.
- ``SPILNO_DEBUG``: ``1`` for debug pages (never in production).
- ``SPILNO_ALLOWED_HOSTS``: comma-separated host names (default: localhost only).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SPILNO_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Keep the key out of the repository: read it from the environment or the data folder."""
    if key := os.environ.get("SPILNO_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SPILNO_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SPILNO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "spilno.core",
    "spilno.audit",
    "spilno.accounts",
    "spilno.capabilities",
    "spilno.procurement",
    "spilno.cooperation",
    "spilno.transparency",
    "spilno",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "spilno.urls"
WSGI_APPLICATION = "spilno.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spilno.context_processors.navigation",
            ],
        },
    },
]

_SQLITE_PATH = DATA_DIR / "spilno.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_SQLITE_PATH}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two writers never deadlock upgrading a read lock.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Kyiv"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Audit log: how many independent hash chains writers spread over (ADR 0003).
SPILNO_AUDIT_STREAMS = int(os.environ.get("SPILNO_AUDIT_STREAMS", "16"))
SPILNO_AUDIT_KEY_FILE = Path(
    os.environ.get("SPILNO_AUDIT_KEY_FILE", str(DATA_DIR / "keys" / "audit-ed25519.pem"))
)

# Sealed bids are encrypted at rest with this key (AES-256-GCM); created on first use.
SPILNO_BID_KEY_FILE = Path(
    os.environ.get("SPILNO_BID_KEY_FILE", str(DATA_DIR / "keys" / "bids-aes256.key"))
)
# Tender documents (their SHA-256 is kept with each record).
MEDIA_ROOT = DATA_DIR / "media"
# Business clock (spilno.kernel.clock): >1 runs deadlines faster for demos and training.
SPILNO_CLOCK_SPEED = float(os.environ.get("SPILNO_CLOCK_SPEED", "1"))
SPILNO_CLOCK_EPOCH = os.environ.get("SPILNO_CLOCK_EPOCH") or None
# How often `spilno serve` runs the chronograph (real seconds).
SPILNO_TICK_SECONDS = float(os.environ.get("SPILNO_TICK_SECONDS", "30"))
# Prefix of Open Contracting IDs; register one with the OCDS helpdesk for production.
SPILNO_OCID_PREFIX = os.environ.get("SPILNO_OCID_PREFIX", "ocds-spilno")
# Where the public reaches this installation: absolute links in published OCDS data use it.
SPILNO_PUBLIC_URL = os.environ.get("SPILNO_PUBLIC_URL", "http://127.0.0.1:8000")
# Who publishes this installation's open data, and under which licence (OCDS package metadata).
SPILNO_PUBLISHER_NAME = os.environ.get(
    "SPILNO_PUBLISHER_NAME", "Spilno (demonstration installation)"
)
SPILNO_DATA_LICENSE = os.environ.get(
    "SPILNO_DATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/"
)
# Imported OCDS data lives here in DuckDB, out of the OLTP database (`spilno ocds import`).
SPILNO_ANALYTICS_DIR = Path(os.environ.get("SPILNO_ANALYTICS_DIR", str(DATA_DIR / "analytics")))
# Bulk open-data files written by `spilno ocds export` and served at /api/v1/ocds/bulk/.
SPILNO_BULK_DIR = Path(os.environ.get("SPILNO_BULK_DIR", str(DATA_DIR / "bulk")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SPILNO_LOG_LEVEL", "WARNING")},
}
