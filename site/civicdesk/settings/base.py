"""Settings shared by every environment. Values that differ per installation come from
the environment (see README, "Environment variables")."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from .env import email_settings, env, env_bool, env_list

PROJECT_DIR = Path(__file__).resolve().parent.parent  # site/civicdesk
ROOT_DIR = PROJECT_DIR.parent.parent  # the checkout
VAR_DIR = Path(env("CIVICDESK_VAR_DIR", ROOT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", ".localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # CivicDesk platform add-ons (always on) and modules
    "addons.core",
    "addons.accounts",
    "addons.addressees",
    "addons.appeals",
    "addons.reports",
    "addons.queues",
    "addons.mailings",
    "addons.surveys",
    "addons.bulletins",
    "addons.contacts",
    "addons.channels",
    "addons.insights",
    # Wagtail
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "wagtailgeowidget",
    "leaflet",
    # infrastructure
    "django_q",
    "guardian",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]
# Optional add-ons installed in this deployment (comma separated dotted app paths).
INSTALLED_APPS += env_list("CIVICDESK_EXTRA_ADDONS", [])

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "addons.core.middleware.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "addons.core.middleware.MalformedRequestMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # whole public pages for visitors who bring nothing of their own (core/page_cache.py)
    "addons.core.page_cache.PublicPageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "addons.accounts.sessions.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "addons.core.middleware.AddonGateMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicdesk.urls"
WSGI_APPLICATION = "civicdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "addons.core.context_processors.civicdesk",
                "addons.core.page_cache.context",
            ],
            # The site's theme is looked up first, then the add-ons' own templates.
            "loaders": [
                "addons.core.themes.ThemeLoader",
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.app_directories.Loader"],
                ),
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static",
                         "addons.core.templatetags.content_language"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'civicdesk.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The site and its django-q2 worker write to the same file: wait instead of failing,
    # and take the write lock at the start of a transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The figures' covering indexes (INCLUDE) serve PostgreSQL; SQLite makes them plain
    # indexes, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "addons.accounts.backends.EmailOrUsernameBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:cabinet"
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILADMIN_USER_LOGIN_FORM = "addons.accounts.forms.AdminLoginForm"

# Internationalisation: the interface in four languages; each site picks its default.
LANGUAGE_CODE = env("LANGUAGE_CODE", "uk")
LANGUAGES = [
    ("uk", "Українська"),
    ("ro", "Română"),
    ("bg", "Български"),
    ("en", "English"),
]
LANGUAGE_COOKIE_NAME = "civicdesk_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# Languages a city's content may be written in (language codes): the interface languages
# and more, e.g. a minority language a town must communicate in. Each site chooses which of
# them it offers (site profile); a language without an interface catalog shows the
# interface in the site's own language.
CIVICDESK_CONTENT_LANGUAGES = env_list(
    "CIVICDESK_CONTENT_LANGUAGES", ["uk", "ro", "bg", "en", "hu"]
)
LOCALE_PATHS = [ROOT_DIR / "themes" / "locale", PROJECT_DIR / "locale"]
# dates as each language writes them: "6 decembrie 2026", "6 декември 2026 г."
FORMAT_MODULE_PATH = ["civicdesk.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "Europe/Kyiv")

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = sorted(
    str(path) for path in (ROOT_DIR / "themes").glob("*/static") if path.is_dir()
)
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))
# Confidential files (appeal attachments, ticket files): never under MEDIA_ROOT, only
# served by views that check rights.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if env("AWS_STORAGE_BUCKET_NAME"):
    # S3-compatible media (AWS, MinIO, Ceph...): django-storages reads AWS_* variables.
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL")
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME")
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN")
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = False
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_PRIVATE_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME),
            "location": "private",
            "default_acl": "private",
            "querystring_auth": True,
            "custom_domain": None,
        },
    }

# Cache, background jobs. Without REDIS_URL: local memory and django-q2's ORM broker.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "civicdesk"),
        }
    }
    # a signed-in view reads its session from Redis (the database keeps it too)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_CLUSTER = {
    "name": "civicdesk",
    "workers": int(env("Q_WORKERS", "2")),
    "recycle": 500,
    # timeout < retry: a task is retried only after it could have finished.
    "timeout": 120,
    "retry": 180,
    "max_attempts": 4,
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "label": "Django Q2",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    # Always name the broker: an unset broker silently means Redis on localhost.
    Q_CLUSTER["orm"] = "default"

EMAIL_URL = env("EMAIL_URL", f"file://{VAR_DIR / 'mail'}")
globals().update(email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "CivicDesk <noreply@civicdesk.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Wagtail
WAGTAIL_SITE_NAME = env("WAGTAIL_SITE_NAME", "CivicDesk")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The admin in the interface languages; each member of staff picks theirs (Account →
# Preferences), else the site's language.
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Privacy: the admin makes no request to another origin (no release check, no avatars from
# Gravatar: staff upload their own picture or get the default one).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "ods", "txt", "csv"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False

# Maps. Tiles come from a server the city names; nothing is loaded from a CDN.
# With no tile server the public maps show the marker on a plain background.
CIVICDESK_MAP_TILE_URL = env("MAP_TILE_URL", "")
CIVICDESK_MAP_ATTRIBUTION = env("MAP_ATTRIBUTION", "")
GEO_WIDGET_DEFAULT_LOCATION = {"lat": 50.4501, "lng": 30.5234}
GEO_WIDGET_ZOOM = 15
GEO_WIDGET_LEAFLET_TILE_LAYER = CIVICDESK_MAP_TILE_URL or "/static/civic/img/blank-tile.png"
GEO_WIDGET_LEAFLET_TILE_LAYER_OPTIONS = {"attribution": CIVICDESK_MAP_ATTRIBUTION}
LEAFLET_CONFIG = {"TILES": [], "RESET_VIEW": False, "NO_GLOBALS": False}

# Object permissions
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# The client's address: REMOTE_ADDR, or behind N trusted proxies the N-th address from
# the right of X-Forwarded-For. Every per-address rate limit and the lock-out read it.
CIVICDESK_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
# A trusted TLS proxy also says the scheme the visitor used; without one nobody may.
if CIVICDESK_TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Absolute links (e-mails, feeds) of a site whose profile names no public address use its
# hostname and port, over https when PUBLIC_HTTPS is on (default: SECURE_SSL_REDIRECT).
CIVICDESK_PUBLIC_HTTPS = env_bool("PUBLIC_HTTPS") if env("PUBLIC_HTTPS") else None
RATELIMIT_IP_META_KEY = "addons.core.clientip.client_ip"

# Login throttling. The lock-out counts per (account, address): the account a login
# resolves to, whatever its spelling (see addons/accounts/throttle.py for the per-account
# and per-address throttles on top).
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "addons.accounts.throttle.axes_username"
AXES_CLIENT_IP_CALLABLE = "addons.core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

RATELIMIT_VIEW = "addons.core.views.rate_limited"

# Content security policy for public pages. The Wagtail admin needs inline scripts and
# styles, so /admin/ is exempted.
_TILE_ORIGIN = []
if CIVICDESK_MAP_TILE_URL.startswith("http"):
    from urllib.parse import urlparse as _urlparse

    _tile = _urlparse(CIVICDESK_MAP_TILE_URL.replace("{s}", "a"))
    _TILE_ORIGIN = [f"{_tile.scheme}://{_tile.netloc.replace('a.', '*.', 1)}"]
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *_TILE_ORIGIN],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CivicDesk API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["civicdesk.api.public_api_only"],
    "ENUM_NAME_OVERRIDES": {},
}
if "addons.appeals" in INSTALLED_APPS:
    SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
        {
            "AppealFormKindEnum": "addons.appeals.api.FORM_KINDS",
            "AppealMessageKindEnum": "addons.appeals.api.MESSAGE_KINDS",
            "AppealStatusEnum": "addons.appeals.models.Status",
        }
    )
if "addons.queues" in INSTALLED_APPS:
    SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["TicketStatusEnum"] = (
        "addons.queues.models.TicketStatus"
    )

# CivicDesk
CIVICDESK_THEMES_DIR = ROOT_DIR / "themes"
CIVICDESK_DEFAULT_THEME = "civic"
CIVICDESK_UA_MARTIAL_LAW = env_bool("CIVICDESK_UA_MARTIAL_LAW", True)
CIVICDESK_NOTIFICATION_MAX_ATTEMPTS = 5

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Signed-in sessions end after this long without a request, and staff sessions (anyone who
# may open the admin) this long after the login (seconds; see addons/accounts/sessions.py).
CIVICDESK_SESSION_IDLE_TIMEOUT = {"citizen": 2 * 3600, "staff": 30 * 60}
CIVICDESK_SESSION_MAX_AGE = {"citizen": None, "staff": 12 * 3600}
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
