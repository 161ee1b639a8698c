"""Settings for CoopMap: one module, driven by environment variables.

With no variables set, the app runs embedded: SQLite under ``var/``, Celery tasks run eagerly
in-process, e-mails are written to ``var/mail/``, and geocoding uses the offline gazetteer.
Setting ``DATABASE_URL``, ``REDIS_URL`` and friends switches to the production stack
(see ``README.md`` and ``docker-compose.yml``).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp import constants as csp
from django.utils.translation import gettext_lazy as _

from coopmap.production import DEVELOPMENT_SECRET_KEY, refuse_insecure_production

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the app writes on the embedded default lives here (git ignores it).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str(
    "SECRET_KEY",
    # A fixed key only for the embedded development default; with DEBUG off the app refuses
    # to start with it (coopmap/production.py, called at the end of this module).
    default=DEVELOPMENT_SECRET_KEY,
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in e-mails sent outside a request (the worker, commands) start with this; e-mails sent
# while answering a request use that request's scheme and host.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # SimpleAdminConfig: admin modules are discovered by coopmap.apps, which skips
    # leaflet.admin because it needs GDAL (django-leaflet issue #299); we use plain
    # latitude/longitude fields, not GeoDjango.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "csp",
    # Login throttling for /admin/ and /manage/: failed logins counted in the database.
    "axes",
    "django_countries",
    "leaflet",
    "coopmap",
    "directory",
    "survey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coopmap.middleware.SecurityHeadersMiddleware",
    "coopmap.site.RequestSiteURLMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coopmap.urls"
WSGI_APPLICATION = "coopmap.wsgi.application"

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
                "coopmap.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
    {
        # Plain-text e-mails and subjects: what people typed must not come out HTML-escaped.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a management command writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # An unreachable Redis counts as an empty cache (coopmap/cache.py), never a 500.
            "BACKEND": "coopmap.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "coopmap",
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
                # redis-py retries three times with backoff by default: seconds per call.
                "retry": None,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Map tiles from the proxy (coopmap/tiles.py): on disk, bounded in number, apart from the rest
# (a shared Redis would evict sessions and rate limits for tiles).
CACHES["tiles"] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(VAR_DIR / "tiles"),
    "TIMEOUT": 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": env.int("MAP_TILES_CACHE_ENTRIES", default=5000)},
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# No result backend: nothing reads task results, and storing them cost every web request that
# enqueued a task up to 20 s of retries against a dead Redis. Outcomes live in the database.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without a broker the tasks run in-process at the moment they are sent (after commit).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# A task is acknowledged only once it finished, so a killed worker's task is delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # A publish tries to connect once more at once, then gives up (kombu waits 2 s, 4 s, …
    # between attempts otherwise); the worker's own reconnect loop is not affected.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
}
# Bounds how long one publish waits for a dead broker.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
# Fail fast when the broker is down: every task is kept in the outbox (coopmap/queue.py) and a
# sweep every 15 s sends it again, so a web request never waits on a dead broker.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="coopmap")
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE: dict = {}  # filled by coopmap/celery.py from each app's PERIODIC_TASKS

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
NETWORK_EMAIL = env.str("NETWORK_EMAIL", default="hallo@platformcoop.de")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"CoopMap <{NETWORK_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Geocoding --------------------------------------------------------------------------------
GEOCODER = env.str("GEOCODER", default="offline")
GEOCODER_URL = env.str("GEOCODER_URL", default="")
GEOCODER_USER_AGENT = env.str("GEOCODER_USER_AGENT", default="coopmap (hallo@platformcoop.de)")
GEOCODER_MIN_DELAY_SECONDS = env.float("GEOCODER_MIN_DELAY_SECONDS", default=1.0)
GEOCODER_TIMEOUT_SECONDS = env.float("GEOCODER_TIMEOUT_SECONDS", default=10.0)
# How long the service's answers are kept: found places for 30 days, misses for one.
GEOCODER_CACHE_SECONDS = env.int("GEOCODER_CACHE_SECONDS", default=30 * 24 * 3600)
GEOCODER_CACHE_MISS_SECONDS = env.int("GEOCODER_CACHE_MISS_SECONDS", default=24 * 3600)
# First retry after an outage; each further retry waits twice as long (up to an hour).
GEOCODER_RETRY_DELAY_SECONDS = env.int("GEOCODER_RETRY_DELAY_SECONDS", default=30)

# --- Signup, moderation and self-service ------------------------------------------------------
# Unconfirmed signups (and their confirmation links) expire after this many days.
SIGNUP_CONFIRMATION_DAYS = env.int("SIGNUP_CONFIRMATION_DAYS", default=7)
# A form submitted faster than a person can fill it is shown again, not stored.
SIGNUP_MIN_FILL_SECONDS = env.float("SIGNUP_MIN_FILL_SECONDS", default=4.0)
# At most this many signups per client address and period (a flood is refused, never a person).
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=5)
SIGNUP_RATE_LIMIT_SECONDS = env.int("SIGNUP_RATE_LIMIT_SECONDS", default=3600)
# The edit link that a contact receives by e-mail works this long.
SELF_SERVICE_LINK_HOURS = env.int("SELF_SERVICE_LINK_HOURS", default=48)
# Reverse proxies in front of the app (docker-compose.yml: one, Caddy); their X-Forwarded-For
# entries name the client and their X-Forwarded-Proto says whether it used HTTPS. With 0 (the
# app answers clients directly) both headers are ignored, since any client could send them.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Stored with each consent; change it whenever templates/privacy.html changes in substance.
PRIVACY_NOTICE_VERSION = "2026-11-30"

# --- Imports of organization lists -------------------------------------------------------------
# Uploads above this size are refused before they are read (a list of 10,000 organizations as
# CSV is about 5 MB).
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)

# --- Needs-analysis reports -------------------------------------------------------------------
# A cell of a report resting on fewer organizations than this is shown as "< k" in everything
# that may leave the managers' area (exports, the PDF, the public needs-by-state figures).
REPORT_MIN_CELL = env.int("REPORT_MIN_CELL", default=5)
# Timeouts in this order (coopmap/checks.py refuses others): a report without a sign of life
# for REPORT_RESEND_MINUTES is sent to the workers again (its worker may have died, or its
# message been lost; a build still alive elsewhere keeps its lock and the copy does nothing);
# it is failed only when no worker took it for REPORT_STUCK_MINUTES, longer than a task may
# run and than the broker takes to redeliver a dead worker's message, or when builds died
# REPORT_MAX_ATTEMPTS times (a report that kills its worker).
REPORT_RESEND_MINUTES = env.int("REPORT_RESEND_MINUTES", default=2)
REPORT_STUCK_MINUTES = env.int("REPORT_STUCK_MINUTES", default=90)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# Only tests set this: a pause per question while building, to kill a worker midway.
REPORT_BUILD_DELAY_SECONDS = env.float("REPORT_BUILD_DELAY_SECONDS", default=0.0)

# --- Map ---------------------------------------------------------------------------------------
# Empty: the maps draw the outlines the app ships (static/basemap/). Set: an XYZ tile server whose
# tiles the app fetches and caches itself (/tiles/z/x/y.png), so that browsers contact no third
# party. Follow the server's usage policy (the public OpenStreetMap tiles need a User-Agent that
# names the site and a contact, and allow light use only).
MAP_TILES_URL = env.str("MAP_TILES_URL", default="")
MAP_ATTRIBUTION = env.str(
    "MAP_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)
MAP_TILES_MAX_ZOOM = env.int("MAP_TILES_MAX_ZOOM", default=18)
MAP_TILES_USER_AGENT = env.str(
    "MAP_TILES_USER_AGENT", default=f"CoopMap/0.1 (+{SITE_URL}; {NETWORK_EMAIL})"
)
# Upper bound on one upstream fetch (connecting and reading), and how long an upstream that
# failed is left alone before it is asked again.
MAP_TILES_TIMEOUT_SECONDS = env.float("MAP_TILES_TIMEOUT_SECONDS", default=5.0)
MAP_TILES_RETRY_SECONDS = env.int("MAP_TILES_RETRY_SECONDS", default=15)
# Tiles are cached in CACHES["tiles"] (at most MAP_TILES_CACHE_ENTRIES of them; a tile is
# typically 10-40 KB, one larger than this is refused) as long as the upstream's headers allow.
MAP_TILES_MAX_BYTES = 512 * 1024
# django-leaflet only serves Leaflet's files; static/js/basemap.js creates the maps.
LEAFLET_CONFIG = {"TILES": [], "NO_GLOBALS": True}

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses any login attempt while its client address or user name is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed logins from one address, or for one user name, logins are refused
# for LOGIN_LOCKOUT_MINUTES (also with the right password), on /admin/ and /manage/ alike.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "coopmap.views.login_locked_out"
# The same client address as the signup limits (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "directory.spam.client_address"
# No log of every successful login, and no user names or addresses in the application log.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/manage/"
LOGOUT_REDIRECT_URL = "/"
NETWORK_MANAGERS_GROUP = "network managers"

# --- Internationalization ---------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Cookies only over HTTPS, and HSTS plus a redirect to HTTPS: on by default with DEBUG off.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container health check asks gunicorn directly over HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# check --deploy asks for preloading; set it false for a domain that is not to be submitted to
# the browsers' preload list (hstspreload.org).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Features that no page uses are switched off for every page (coopmap/middleware.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Content-Security-Policy (django-csp): scripts, styles, fonts and data only from this site;
# an inline <script> runs only with the page's nonce: nonce="{{ request.csp_nonce }}" (or
# {{ CSP_NONCE }}).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],  # map tiles come through the app's proxy, /tiles/
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}
# Request bodies above this size are refused with 413 before they are read: no public form
# needs more. Logged-in managers may send twice an import file's limit (IMPORT_MAX_UPLOAD_BYTES)
# and get a clear message about the size. The reverse proxy caps bodies, too.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# Files at the site's root (favicon.ico), served by whitenoise.
WHITENOISE_ROOT = BASE_DIR / "coopmap" / "root"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "coopmap.access_log.RedactTokensFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # runserver's access log, with personal tokens in paths replaced (coopmap/access_log.py).
        "access": {
            "class": "logging.StreamHandler",
            "filters": ["redact_tokens"],
            "formatter": "access",
        },
    },
    "formatters": {
        "access": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["access"], "level": "INFO", "propagate": False},
        # "Not Found: /survey/<token>/…" and the like.
        "django.request": {"filters": ["redact_tokens"]},
    },
}

refuse_insecure_production(globals())
