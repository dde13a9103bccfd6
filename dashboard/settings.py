"""Settings for the lender dashboard.

Everything that differs between deployments comes from the environment or a
`.env` file (see `.env.example`). With neither, the defaults are the local demo:
DEBUG on, talking to the embedded sandbox API on 127.0.0.1:8001.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # a missing file is fine: defaults are the demo

DEBUG = env.bool("DEBUG", default=True)

# The sandbox's well-known demo key: only ever a default while DEBUG is on.
SANDBOX_DEMO_API_KEY = "sk_sandbox_demo_2f9c1e7a"


def _required_in_production(name: str, demo_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return demo_default
    raise ImproperlyConfigured(
        f"{name} is not set: with DEBUG=False it must come from the environment or .env."
    )


SECRET_KEY = _required_in_production("SECRET_KEY", "django-insecure-local-demo-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- The remote Clients API -------------------------------------------------
API_BASE_URL = env.str("API_BASE_URL", default="http://127.0.0.1:8001").rstrip("/")
# Django's error reporter scrubs settings whose names contain KEY/SECRET/TOKEN.
API_SECRET_KEY = _required_in_production("API_SECRET_KEY", SANDBOX_DEMO_API_KEY)


def _timeout_pair(raw: str) -> tuple[float, float]:
    parts = [float(part) for part in raw.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) <= 0:
        raise ImproperlyConfigured("API_TIMEOUT must be 'connect,read' seconds, e.g. '2,4'.")
    return parts[0], parts[1]


# Worst case of one API call (checked by `api.W001`, which warns above 15 s):
# a GET makes at most API_ATTEMPTS attempts, each up to connect + read timeout,
# and waits between them the backoff or a Retry-After of at most
# API_RETRY_AFTER_CAP (a longer one is reported as "rate limited" at once):
#   2 x (2 s + 4 s) + 2 s = 14 s.
# Writes (POST/PATCH/DELETE) make one attempt: 6 s.
API_TIMEOUT = _timeout_pair(env.str("API_TIMEOUT", default="2,4"))
API_ATTEMPTS = env.int("API_ATTEMPTS", default=2)
API_BACKOFF = env.float("API_BACKOFF", default=0.25)
API_RETRY_AFTER_CAP = env.float("API_RETRY_AFTER_CAP", default=2.0)
# Rows per API call when exporting: the contract's maximum, fewest round trips.
EXPORT_PAGE_SIZE = min(max(env.int("EXPORT_PAGE_SIZE", default=100), 1), 100)

# --- Django -----------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # so our templates/django/forms/field.html can override Django's
    "django_htmx",
    "template_partials",
    "axes",
    "dashboard.api",
    "dashboard.access",
    "dashboard.audit",
    "dashboard.clients",
    "dashboard.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dashboard.regions.FlashMessagesForHtmx",
    "dashboard.access.middleware.SessionLifetime",
    "dashboard.access.middleware.LoginRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:  # static files without a separate web server (runserver serves them in the demo)
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

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
                "dashboard.access.context.staff",
            ],
            # {% partialdef %} everywhere without a {% load %} in each template.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# Form fields render through templates/django/forms/field.html (Bootstrap markup).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}")
}
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Africa/Lagos")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes compressed copies; whitenoise serves them with far-future caching.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

# --- Staff sign-in --------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses throttled sign-ins first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "access:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]  # fmt: skip
# Idle limit: the session cookie's age, renewed by every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute limit, however active the session (access.middleware.SessionLifetime).
SESSION_MAX_AGE_HOURS = env.float("SESSION_MAX_AGE_HOURS", default=12)

# Proxies in front that append to X-Forwarded-For (0: use the connection's address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Failed sign-ins (django-axes): a username from one IP is throttled after
# LOGIN_FAILURE_LIMIT failures for LOGIN_COOLOFF_MINUTES (axes' default is forever).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address trying many usernames is refused after this many failures (access/throttle.py).
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "dashboard.access.network.client_ip"
AXES_LOCKOUT_CALLABLE = "dashboard.access.views.locked_out"

# --- Security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": env.str("LOG_LEVEL", default="INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print every record a second time.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "axes": {"level": "WARNING"},  # not a line per successful sign-in
    },
}

CSRF_FAILURE_VIEW = "dashboard.regions.csrf_failure"
