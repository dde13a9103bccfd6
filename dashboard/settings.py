"""Settings for the lender dashboard.

Everything that differs between deployments comes from the environment or a
`.env` file (see `.env.example`). DEBUG is off unless asked for: production must
then name its secrets. With DEBUG=True (`make run` sets it), the defaults are the
local demo, talking to the embedded sandbox API on 127.0.0.1:8001.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # a missing file is fine

# Off unless asked for: a forgotten variable must not serve debug pages (settings,
# local variables) to the world. `make run` and the tests turn it on.
DEBUG = env.bool("DEBUG", default=False)

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


# Time spent waiting for the API (api/deadlines.py; `api.W001` checks the figures):
# - one attempt: connect + read timeout, the read timeout bounding each socket read;
# - one call: a GET makes at most API_ATTEMPTS attempts, waiting between them the
#   backoff or a Retry-After of at most API_RETRY_AFTER_CAP (a longer one is "rate
#   limited" at once); writes make one attempt. Whatever the API does (an answer
#   dripped a byte a second included), a call ends by API_CALL_DEADLINE;
# - one dashboard request: its calls together wait at most API_REQUEST_BUDGET, so
#   no page waits longer than that for the API (a streamed export's later pages
#   each keep API_CALL_DEADLINE).
API_TIMEOUT = _timeout_pair(env.str("API_TIMEOUT", default="2,4"))
API_ATTEMPTS = env.int("API_ATTEMPTS", default=2)
API_BACKOFF = env.float("API_BACKOFF", default=0.25)
API_RETRY_AFTER_CAP = env.float("API_RETRY_AFTER_CAP", default=2.0)
API_CALL_DEADLINE = env.float("API_CALL_DEADLINE", default=8.0)
API_REQUEST_BUDGET = env.float("API_REQUEST_BUDGET", default=15.0)
# Calls waiting on the API at once, per process: below gunicorn's threads per worker,
# so a slow API always leaves threads for pages that do not need it.
API_CONCURRENT_CALLS = env.int("API_CONCURRENT_CALLS", default=6)
# An answer larger than this is refused without being read whole.
API_MAX_RESPONSE_BYTES = int(env.float("API_MAX_RESPONSE_MB", default=5.0) * 1_000_000)
# Rows per API call when exporting: the contract's maximum, fewest round trips.
EXPORT_PAGE_SIZE = min(max(env.int("EXPORT_PAGE_SIZE", default=100), 1), 100)
# Pages an export fetches at once, ahead of the rows being written (each takes one of
# the process's API_CONCURRENT_CALLS slots while it waits on the API).
EXPORT_PAGES_IN_FLIGHT = min(max(env.int("EXPORT_PAGES_IN_FLIGHT", default=3), 1), 8)
# The client's portfolio summary reads every loan and deposit: pages of 100, this many
# calls at once (both lists together, 1 to 8), at most SUMMARY_MAX_PAGES pages of each
# (past that it says it is partial), kept SUMMARY_CACHE_SECONDS in the cache.
SUMMARY_PAGES_IN_FLIGHT = min(max(env.int("SUMMARY_PAGES_IN_FLIGHT", default=3), 1), 8)
SUMMARY_MAX_PAGES = max(env.int("SUMMARY_MAX_PAGES", default=20), 1)
SUMMARY_CACHE_SECONDS = max(env.int("SUMMARY_CACHE_SECONDS", default=120), 0)

# Four eyes (dashboard/approvals/): deleting a client needs a second Manager's approval,
# and a request not decided within FOUR_EYES_EXPIRY_HOURS expires.
FOUR_EYES_DELETE = env.bool("FOUR_EYES_DELETE", default=True)
FOUR_EYES_EXPIRY_HOURS = max(env.int("FOUR_EYES_EXPIRY_HOURS", default=24), 1)
# A whole-book export (all clients, or a search's) needs approval too when this is on; the
# requester then downloads it once within FOUR_EYES_DOWNLOAD_HOURS of the approval.
FOUR_EYES_EXPORT = env.bool("FOUR_EYES_EXPORT", default=False)
FOUR_EYES_DOWNLOAD_HOURS = max(env.int("FOUR_EYES_DOWNLOAD_HOURS", default=24), 1)

# --- The read-access log (audit/access_log.py) --------------------------------
# Who viewed which client: one entry per person per client per window (the shared
# cache remembers the window; 0 records every view), kept ACCESS_LOG_DAYS days, after
# which `manage.py purge_access_log` deletes them (write entries are kept for good).
ACCESS_LOG_WINDOW_SECONDS = max(env.int("ACCESS_LOG_WINDOW_SECONDS", default=600), 0)
ACCESS_LOG_DAYS = max(env.int("ACCESS_LOG_DAYS", default=400), 1)

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
    "dashboard.approvals",
    "dashboard.demo",
    "csp",  # django-csp: its system checks
]

MIDDLEWARE = [
    # First: every response, static files and errors included, carries the request id,
    # and every log line of the request names it (monitoring/tracing.py).
    "dashboard.monitoring.tracing.RequestTracing",
    "django.middleware.security.SecurityMiddleware",
    # After whitenoise (inserted below): static files keep their far-future caching.
    "dashboard.headers.NoStore",
    "dashboard.headers.PermissionsPolicy",
    "dashboard.headers.ContentSecurityPolicy",
    "django_htmx.middleware.HtmxMiddleware",
    # Before anything that reads the body (CSRF reads request.POST) or the session.
    "dashboard.body_limit.BodySizeLimit",
    # /healthz and /readyz are answered here, before anything reads the session from the
    # database: they must answer (or report) while the database is down.
    "dashboard.monitoring.health.AnswerProbesEarly",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dashboard.api.deadlines.RequestBudget",
    "dashboard.regions.FlashMessagesForHtmx",
    "dashboard.access.middleware.SessionLifetime",
    "dashboard.access.middleware.LoginRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:  # static files without a separate web server (runserver serves them in the demo)
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

# The tests' gunicorn adds a page that crashes (tests/crash_urls.py), to check a 500's headers.
ROOT_URLCONF = env.str("ROOT_URLCONF", default="dashboard.urls")
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
                "dashboard.approvals.context.requests",
            ],
            # {% partialdef %} everywhere without a {% load %} in each template, and
            # {% url %} with its reversals remembered (dashboard/template_urls.py), and
            # {% extends %} with the root template's blocks found once (template_blocks.py),
            # {% static %} with each file's URL remembered (template_static.py).
            "builtins": [
                "template_partials.templatetags.partials",
                "dashboard.template_urls",
                "dashboard.template_blocks",
                "dashboard.template_static",
            ],
        },
    },
]

# Form fields render through templates/django/forms/field.html (Bootstrap markup).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# The demo: SQLite and a memory cache per process. Production: PostgreSQL and Redis,
# shared by every instance (README, "Deploying").
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}")
}
# Each thread keeps its connection for DATABASE_CONN_MAX_AGE seconds instead of one per
# request (a PostgreSQL connection costs a few milliseconds and a server process), and
# checks it before reuse, so a restarted database costs no request an error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=300))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # libpq waits for an unreachable host as long as TCP does (minutes); a URL's own
    # ?connect_timeout= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # Writers queue for the lock instead of failing: a transaction that reads and
        # then writes (the sign-in throttle's count) would otherwise hit "database is
        # locked".
        transaction_mode="IMMEDIATE",
        timeout=20,
        # WAL: readers never wait for a writer; NORMAL sync is safe with WAL (a power
        # cut may lose the last commits, never corrupt the file); temporary tables and
        # indexes in memory; a 20 MB page cache per connection.
        init_command=(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-20000;"
        ),
    )
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Django's database sessions, each read by one query compiled once (access/sessions/).
SESSION_ENGINE = "dashboard.access.sessions.db"
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's own RedisCache, but Redis down means misses, not errors (dashboard/cache.py).
    CACHES["default"]["BACKEND"] = "dashboard.cache.TolerantRedisCache"
    # Sessions in the database, read through the cache: a Redis restart signs nobody
    # out, and while Redis is down they are read from the database. Not with a memory
    # cache: each process would keep its own copy, and a sign-out in one would leave
    # the session alive in the others.
    SESSION_ENGINE = "dashboard.access.sessions.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-gb"  # dates and numbers in British English (Django's en_GB formats)
TIME_ZONE = env.str("TIME_ZONE", default="Africa/Lagos")
# The dashboard speaks English only and translates nothing: without the translation
# machinery, each of a page's dozen language look-ups reads a setting instead of a
# per-request context variable (2% of a list page's instructions).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes compressed copies; whitenoise serves them with far-future caching.
    "staticfiles": {"BACKEND": "dashboard.static_storage.StaticFiles"},
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

# --- Staff sign-in --------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while either throttle below holds, on every path
    # (our sign-in page, the admin's redirects to it), before a password is checked.
    "dashboard.access.backends.ThrottledSignIn",
    # Django's ModelBackend, loading each request's user with their role in one query.
    "dashboard.access.backends.StaffBackend",
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
# Idle limit: a session not renewed for this long is over. Requests renew it, at most
# once per SESSION_RENEW_SECONDS (a write each), so it ends within that of the limit.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute limit, however active the session (access.middleware.SessionLifetime).
SESSION_MAX_AGE_HOURS = env.float("SESSION_MAX_AGE_HOURS", default=12)
# A Save that arrives after the session ended is kept this long for its author's next
# sign-in, then forgotten (access/drafts.py).
DRAFT_MINUTES = env.int("DRAFT_MINUTES", default=30)

# Proxies in front that append to X-Forwarded-For (0: use the connection's address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Failed sign-ins (django-axes): a username from one IP is throttled after
# LOGIN_FAILURE_LIMIT failures for LOGIN_COOLOFF_MINUTES (axes' default is forever).
# A fixed cool-off, from the failure that reached the limit: attempts while locked,
# the right password too, are refused and neither count nor extend it (axes' default
# restarts the cool-off with each one). Policy in full: access/throttle.py.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# One address trying many usernames is refused after this many failures, counted in the
# database all instances share (access/throttle.py); so are password changes, per user,
# after LOGIN_FAILURE_LIMIT wrong current passwords.
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "dashboard.access.network.client_ip"
AXES_LOCKOUT_CALLABLE = "dashboard.access.views.locked_out"

# --- Request sizes ------------------------------------------------------------
# A body over this is answered 413 from its Content-Length, unread (body_limit.py).
# The largest real one, the client form: a 1 MB photo upload, the same photo kept as a
# base64 data URI (1.4 MB) when the form is re-shown, and the fields. The proxy in front
# should refuse the same (nginx: client_max_body_size 4m).
MAX_REQUEST_BODY_MB = env.float("MAX_REQUEST_BODY_MB", default=4)
# Django's own limits on what it parses: fields other than files (the kept photo and
# the text), uploads held in memory before spilling to a temporary file (a photo
# over 1 MB is refused anyway), and counts. Above these, Django answers 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200  # the admin's bulk actions post one per row (100 a page)
DATA_UPLOAD_MAX_NUMBER_FILES = 5  # the client form has one file input

# --- Security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain http is answered with a redirect, and browsers told to use https only.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer probes each instance directly, in plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Only allows a submission to the browsers' preload list; it does not submit.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Hosts from which client photo URLs may be shown (img-src below; the client form
# accepts photo URLs on these hosts only). Empty means uploaded photos only.
IMAGE_URL_HOSTS = env.list("IMAGE_URL_HOSTS", default=[])

# Content-Security-Policy (django-csp): our own scripts, styles and fonts only, no
# inline script or style, no eval (htmx runs with allowEval off, see base.html);
# images also as data: URIs (uploaded photos, Bootstrap's icons). No page may be
# framed, post a form elsewhere or change its base URL.
_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # https only, like the photo URLs the client form accepts (clients/photos.py).
        "img-src": ["'self'", "data:"]
        + [f"https://{host.strip().lower()}" for host in IMAGE_URL_HOSTS if host.strip()],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# CSP_REPORT_ONLY=True: browsers report what the policy would block, and block nothing.
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CONTENT_SECURITY_POLICY
else:
    CONTENT_SECURITY_POLICY = _CONTENT_SECURITY_POLICY

# Django's error reports (the DEBUG page, mails to ADMINS) hide any local variable
# that holds the API key, such as urllib3's request headers.
DEFAULT_EXCEPTION_REPORTER_FILTER = "dashboard.reporting.SecretHidingReporterFilter"

# --- Operating it (dashboard/monitoring/) ----------------------------------------
# /readyz asks the Clients API at most once per this many seconds per process.
READYZ_API_CACHE_SECONDS = env.float("READYZ_API_CACHE_SECONDS", default=5.0)
# "text": readable lines; "json": one JSON object per line, for a log collector. Either
# way every line names its request's id, and no line names a URL path (monitoring/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "dashboard.monitoring.logs.RequestIdFilter"},
        "routes_not_paths": {"()": "dashboard.monitoring.logs.RoutesNotPaths"},
    },
    "formatters": {
        "text": {"()": "dashboard.monitoring.logs.TextLines"},
        "json": {"()": "dashboard.monitoring.logs.JsonLines"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "routes_not_paths"],
            "level": env.str("LOG_LEVEL", default="INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print every record a second time.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "axes": {"level": "WARNING"},  # not a line per successful sign-in
        # Its DEBUG lines name each API path: client references and search terms.
        "urllib3": {"level": "INFO"},
    },
}

CSRF_FAILURE_VIEW = "dashboard.errors.csrf_failure"
