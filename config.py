"""Configuration from the environment: safe defaults in production, conveniences only in development."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


#: The council's details in development and tests: obviously examples (production has no defaults and refuses to
#: start without its own, since the privacy notice names the controller and the data protection officer).
EXAMPLE_COUNCIL = {
    "TRACKER_COUNCIL_NAME": "Example Council",
    "TRACKER_COUNCIL_EMAIL": "prevent.training@example.gov.uk",
    "TRACKER_DPO_EMAIL": "data.protection@example.gov.uk",
    "TRACKER_COUNCIL_ADDRESS": "Example Council, Town Hall, 1 Example Street, Exampletown, EX1 1AA",
}

#: What each council setting is, for the refusal that names a missing one.
COUNCIL_SETTINGS = {
    "TRACKER_COUNCIL_NAME": "the council that runs the service (the data controller), e.g. London Borough of Barnet",
    "TRACKER_COUNCIL_EMAIL": "the mailbox for accessibility problems and requests for another format",
    "TRACKER_DPO_EMAIL": "the data protection officer's email address, named on the privacy notice",
    "TRACKER_COUNCIL_ADDRESS": "the council's postal address, comma-separated lines, named on the privacy notice",
}


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE / 'tracker.db'}"


class Config:
    """Production settings. SECRET_KEY has no fallback: the app refuses to start without it."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: No fallback in production: an unset DATABASE_URL is refused (see `problems`), never an SQLite file.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    #: A pooled connection is checked with a ping as it comes out of the pool; a dead one (the database restarted,
    #: a network device dropped it) is replaced before the request uses it.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    #: The public address in email links; production refuses to start without it.
    TRACKER_BASE_URL = (os.environ.get("TRACKER_BASE_URL") or "").rstrip("/")
    #: Reverse proxies in front of the app that each append the client's address to X-Forwarded-For (and set
    #: X-Forwarded-Proto): nginx alone is 1. Only that many entries, counted from the right, are believed.
    TRACKER_PROXY_HOPS = _int("TRACKER_PROXY_HOPS", 0)
    #: The operator's word that one process serves the site (so in-memory rate limits are the only counts).
    TRACKER_SINGLE_PROCESS = _bool("TRACKER_SINGLE_PROCESS")
    #: Where `flask assets collect` put the front-end files (served there, by nginx, with no Node on the server).
    TRACKER_STATIC_ROOT = os.environ.get("TRACKER_STATIC_ROOT") or None
    #: `json` (one JSON object a line, with the request id) or `text`.
    TRACKER_LOG_FORMAT = os.environ.get("TRACKER_LOG_FORMAT", "json")
    TRACKER_LOG_LEVEL = os.environ.get("TRACKER_LOG_LEVEL", "INFO")
    SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")
    TRACKER_FORCE_HTTPS = _bool("TRACKER_FORCE_HTTPS")
    TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRACKER_TRUSTED_HOSTS", "").split(",") if h.strip()] or None
    REDIS_URL = os.environ.get("REDIS_URL") or None

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "prevent.training@barnet.gov.uk")
    #: The mailbox named as ORGANIZER on every invite (never the attendee).
    CALENDAR_ORGANIZER_EMAIL = os.environ.get("CALENDAR_ORGANIZER_EMAIL") or MAIL_DEFAULT_SENDER
    CALENDAR_ORGANIZER_NAME = os.environ.get("CALENDAR_ORGANIZER_NAME", "Prevent training")
    OUTBOX_RETRY_SECONDS = _int("OUTBOX_RETRY_SECONDS", 60)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 8)
    #: A message claimed by a worker that died is taken again after this long (a batch stops at half of it).
    OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 300)
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 100)
    #: /readyz and `outbox status` call the worker silent when no worker has said it is alive for this long.
    OUTBOX_HEARTBEAT_STALE_SECONDS = _int("OUTBOX_HEARTBEAT_STALE_SECONDS", 120)
    REMINDER_DAYS_BEFORE = _int("REMINDER_DAYS_BEFORE", 2)
    #: Refresher reminders (`refreshers send`, daily): one email at each of these many days before a required
    #: course's record expires, comma-separated; and how many upcoming sessions with places each lists.
    REFRESHER_REMINDER_DAYS = os.environ.get("REFRESHER_REMINDER_DAYS", "90,30")
    REFRESHER_SESSIONS_LISTED = _int("REFRESHER_SESSIONS_LISTED", 3)

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "tracker_session"
    #: Signed-in sessions end after this much inactivity, and after the absolute limit whatever happens.
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = None  # tied to the signed-in session instead, which has its own timeouts

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    PUBLIC_FORM_LIMIT = os.environ.get("PUBLIC_FORM_LIMIT", "5 per hour")
    #: Asking for a password reset or sign-in link: per client address, and per email address asked about.
    LINK_LIMIT_PER_ADDRESS = os.environ.get("LINK_LIMIT_PER_ADDRESS", "10 per hour")
    LINK_LIMIT_PER_EMAIL = os.environ.get("LINK_LIMIT_PER_EMAIL", "3 per hour")
    #: The public certificate check page (/certificates/<code>), per client address.
    CERTIFICATE_CHECK_LIMIT = os.environ.get("CERTIFICATE_CHECK_LIMIT", "30 per minute")
    #: Self check-in: each code shown on the trainer's screen is current this many minutes and works until the end of
    #: the next code's; an emailed check-in code works this long; failed tries and emailed codes per client address,
    #: and codes per email address.
    CHECKIN_CODE_MINUTES = _int("CHECKIN_CODE_MINUTES", 3)
    CHECKIN_EMAIL_CODE_MINUTES = _int("CHECKIN_EMAIL_CODE_MINUTES", 10)
    CHECKIN_LIMIT = os.environ.get("CHECKIN_LIMIT", "60 per 10 minutes")
    CHECKIN_EMAIL_LIMIT = os.environ.get("CHECKIN_EMAIL_LIMIT", "3 per 10 minutes")
    #: How long emailed single-use links work.
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 60)
    SET_PASSWORD_LINK_DAYS = _int("SET_PASSWORD_LINK_DAYS", 7)
    SIGN_IN_LINK_MINUTES = _int("SIGN_IN_LINK_MINUTES", 60)

    #: Sign-in with OpenID Connect (Microsoft Entra ID, ...): `OIDC_PROVIDERS` and each provider's `OIDC_<NAME>_*`
    #: variables, read here and checked at start by `tracker.accounts.oidc_rules.parse_providers`.
    OIDC_SETTINGS = {key: value for key, value in os.environ.items() if key.startswith("OIDC_")}
    #: Whom a person refused at sign-in is told to ask (the Prevent coordinator's mailbox).
    SIGN_IN_CONTACT_EMAIL = os.environ.get("SIGN_IN_CONTACT_EMAIL") or MAIL_DEFAULT_SENDER
    #: Email domains whose people sign in only through their organisation's provider, never with a password.
    PASSWORD_SIGN_IN_DISABLED_DOMAINS = os.environ.get("PASSWORD_SIGN_IN_DISABLED_DOMAINS", "")

    #: The council's details on the accessibility statement and privacy notice (see COUNCIL_SETTINGS); required in
    #: production. RETENTION_MONTHS below is the period the privacy notice states (the retention purge uses it).
    TRACKER_COUNCIL_NAME = os.environ.get("TRACKER_COUNCIL_NAME") or None
    TRACKER_COUNCIL_EMAIL = os.environ.get("TRACKER_COUNCIL_EMAIL") or None
    TRACKER_DPO_EMAIL = os.environ.get("TRACKER_DPO_EMAIL") or None
    TRACKER_COUNCIL_ADDRESS = os.environ.get("TRACKER_COUNCIL_ADDRESS") or None

    RETENTION_MONTHS = _int("RETENTION_MONTHS", 72)
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    NODE_MODULES = os.environ.get("TRACKER_NODE_MODULES") or str(ROOT / "node_modules")

    def problems(self) -> list[str]:
        """What stops this configuration from serving production safely, one sentence each (empty when none).

        Checked by `create_app` for the production configuration: a mistake stops the start instead of limping
        on an SQLite file, unsigned links or limits each process counts on its own.
        """
        found = []
        if not self.SECRET_KEY:
            found.append(
                "SECRET_KEY is not set: make one with `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if not self.SQLALCHEMY_DATABASE_URI:
            found.append("DATABASE_URL is not set: e.g. postgresql+psycopg://tracker@127.0.0.1/tracker.")
        if not self.TRACKER_BASE_URL:
            found.append(
                "TRACKER_BASE_URL is not set: the public address (https://training.example.gov.uk) used in emails."
            )
        elif not self.TRACKER_BASE_URL.startswith(("https://", "http://")):
            found.append(f"TRACKER_BASE_URL must start with https:// (it is {self.TRACKER_BASE_URL!r}).")
        if self.RATELIMIT_ENABLED and not self.REDIS_URL and not self.TRACKER_SINGLE_PROCESS:
            found.append(
                "REDIS_URL is not set: without it each web process counts rate limits on its own (3 processes let"
                " 3 times the attempts through). Set REDIS_URL, or run one process and set TRACKER_SINGLE_PROCESS=1."
            )
        if self.TRACKER_PROXY_HOPS < 0:
            found.append("TRACKER_PROXY_HOPS must be 0 (no proxy) or the number of proxies in front (nginx: 1).")
        if self.TRACKER_LOG_FORMAT not in ("json", "text"):
            found.append("TRACKER_LOG_FORMAT must be json or text.")
        for name, meaning in COUNCIL_SETTINGS.items():
            if not (getattr(self, name, None) or "").strip():
                found.append(f"{name} is not set: {meaning} (the privacy notice and accessibility statement show it).")
        return found

    def ratelimit_storage_uri(self) -> str:
        """Redis when REDIS_URL is set (on this configuration, or in the environment), so web processes share
        their counts; else this process's memory."""
        return self.REDIS_URL or "memory://"


class DevelopmentConfig(Config):
    """`make run`: a local SQLite file, a secret kept under instance/, cookies over plain HTTP."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or default_database_url()
    #: Demo email links point at the server `make run` started (its PORT).
    TRACKER_BASE_URL = (
        os.environ.get("TRACKER_BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"
    ).rstrip("/")
    TRACKER_LOG_FORMAT = os.environ.get("TRACKER_LOG_FORMAT", "text")
    TRACKER_COUNCIL_NAME = os.environ.get("TRACKER_COUNCIL_NAME") or EXAMPLE_COUNCIL["TRACKER_COUNCIL_NAME"]
    TRACKER_COUNCIL_EMAIL = os.environ.get("TRACKER_COUNCIL_EMAIL") or EXAMPLE_COUNCIL["TRACKER_COUNCIL_EMAIL"]
    TRACKER_DPO_EMAIL = os.environ.get("TRACKER_DPO_EMAIL") or EXAMPLE_COUNCIL["TRACKER_DPO_EMAIL"]
    TRACKER_COUNCIL_ADDRESS = os.environ.get("TRACKER_COUNCIL_ADDRESS") or EXAMPLE_COUNCIL["TRACKER_COUNCIL_ADDRESS"]

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            INSTANCE.mkdir(exist_ok=True)
            key_file = INSTANCE / "secret_key"
            if not key_file.exists():
                key_file.write_text(secrets.token_urlsafe(48))
                key_file.chmod(0o600)
            self.SECRET_KEY = key_file.read_text().strip()


class TestConfig(Config):
    """The test suite: the database comes from the fixture; CSRF off except in the tests that prove it."""

    ENV_NAME = "test"
    TESTING = True
    TRACKER_LOG_FORMAT = "text"
    SENTRY_DSN = None
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_SERVER = None
    TRACKER_BASE_URL = "http://tracker.test"
    SERVER_NAME = None
    OIDC_SETTINGS: dict = {}  # never the environment's: each test names its providers
    PASSWORD_SIGN_IN_DISABLED_DOMAINS = ""
    TRACKER_COUNCIL_NAME = EXAMPLE_COUNCIL["TRACKER_COUNCIL_NAME"]
    TRACKER_COUNCIL_EMAIL = EXAMPLE_COUNCIL["TRACKER_COUNCIL_EMAIL"]
    TRACKER_DPO_EMAIL = EXAMPLE_COUNCIL["TRACKER_DPO_EMAIL"]
    TRACKER_COUNCIL_ADDRESS = EXAMPLE_COUNCIL["TRACKER_COUNCIL_ADDRESS"]


CONFIGS = {"production": Config, "development": DevelopmentConfig, "test": TestConfig}


def config_from_environment() -> type[Config]:
    """TRACKER_ENV picks the configuration; production unless told otherwise."""
    return CONFIGS[os.environ.get("TRACKER_ENV", "production")]
