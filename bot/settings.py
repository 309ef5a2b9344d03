"""Configuration from the environment and `.env`, validated once at start-up.

Every variable name here is a public contract (deployments and other tools set them), so each
field names its variable explicitly. Nothing reads the environment at import time: the
composition root calls `load_settings()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "xxx", "your-key-here", "sk-...", "todo"}


class SettingsError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


class Settings(BaseSettings):
    """All settings of the bot; names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=False
    )

    brand_name: str = Field("Ampwell", validation_alias=AliasChoices("BOT_BRAND_NAME"))
    brand_handle: str = Field("ampwell", validation_alias=AliasChoices("BOT_BRAND_HANDLE"))
    knowledge_dir: Path = Field(
        Path("knowledge"), validation_alias=AliasChoices("BOT_KNOWLEDGE_DIR")
    )
    data_dir: Path = Field(Path(".bot-data"), validation_alias=AliasChoices("BOT_DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=AliasChoices("DATABASE_URL"))
    reach_threshold: int = Field(10_000, ge=0, validation_alias=AliasChoices("BOT_REACH_THRESHOLD"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    openai_model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("OPENAI_MODEL"))
    openai_embedding_model: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_EMBEDDING_MODEL")
    )
    llm_timeout: float = Field(20.0, gt=0, validation_alias=AliasChoices("BOT_LLM_TIMEOUT"))
    llm_concurrency: int = Field(
        4, ge=1, le=64, validation_alias=AliasChoices("BOT_LLM_CONCURRENCY")
    )
    price_input: float = Field(0.15, ge=0, validation_alias=AliasChoices("OPENAI_PRICE_INPUT"))
    price_output: float = Field(0.60, ge=0, validation_alias=AliasChoices("OPENAI_PRICE_OUTPUT"))
    prompts_dir: Path | None = Field(None, validation_alias=AliasChoices("BOT_PROMPTS_DIR"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("BOT_LOG_LEVEL"))

    # Slack
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_review_channel: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_REVIEW_CHANNEL")
    )
    slack_expert_channel: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_EXPERT_CHANNEL")
    )
    slack_approvers: str = Field("", validation_alias=AliasChoices("SLACK_APPROVERS"))
    slack_kb_editors: str = Field("", validation_alias=AliasChoices("SLACK_KB_EDITORS"))
    slack_oncall_group: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_ONCALL_GROUP")
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL")
    )
    port: int = Field(3000, ge=1, le=65535, validation_alias=AliasChoices("PORT"))
    webhook_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("WEBHOOK_SECRET"))

    # X (Twitter)
    x_bearer_token: SecretStr | None = Field(None, validation_alias=AliasChoices("X_BEARER_TOKEN"))
    x_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("X_API_KEY"))
    x_api_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("X_API_SECRET"))
    x_access_token: SecretStr | None = Field(None, validation_alias=AliasChoices("X_ACCESS_TOKEN"))
    x_access_token_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("X_ACCESS_TOKEN_SECRET")
    )
    x_search_query: str | None = Field(None, validation_alias=AliasChoices("X_SEARCH_QUERY"))
    x_api_url: str = Field("https://api.twitter.com", validation_alias=AliasChoices("X_API_URL"))
    x_poll_seconds: float = Field(60.0, gt=0, validation_alias=AliasChoices("X_POLL_SECONDS"))
    # Bluesky (atproto): an app password of the brand's account
    bluesky_handle: str | None = Field(None, validation_alias=AliasChoices("BLUESKY_HANDLE"))
    bluesky_app_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("BLUESKY_APP_PASSWORD")
    )
    bluesky_service_url: str = Field(
        "https://bsky.social", validation_alias=AliasChoices("BLUESKY_SERVICE_URL")
    )
    bluesky_poll_seconds: float = Field(
        60.0, gt=0, validation_alias=AliasChoices("BLUESKY_POLL_SECONDS")
    )
    # Mastodon (Mastodon.py): the brand account's access token on its instance
    mastodon_api_base_url: str | None = Field(
        None, validation_alias=AliasChoices("MASTODON_API_BASE_URL")
    )
    mastodon_access_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("MASTODON_ACCESS_TOKEN")
    )
    mastodon_poll_seconds: float = Field(
        60.0, gt=0, validation_alias=AliasChoices("MASTODON_POLL_SECONDS")
    )
    # Reddit (praw): a "script" app of the brand's account
    reddit_client_id: str | None = Field(None, validation_alias=AliasChoices("REDDIT_CLIENT_ID"))
    reddit_client_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("REDDIT_CLIENT_SECRET")
    )
    reddit_username: str | None = Field(None, validation_alias=AliasChoices("REDDIT_USERNAME"))
    reddit_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("REDDIT_PASSWORD")
    )
    reddit_user_agent: str | None = Field(None, validation_alias=AliasChoices("REDDIT_USER_AGENT"))
    reddit_subreddits: str = Field("", validation_alias=AliasChoices("REDDIT_SUBREDDITS"))
    reddit_search_query: str | None = Field(
        None, validation_alias=AliasChoices("REDDIT_SEARCH_QUERY")
    )
    reddit_oauth_url: str = Field(
        "https://oauth.reddit.com", validation_alias=AliasChoices("REDDIT_OAUTH_URL")
    )
    reddit_url: str = Field("https://www.reddit.com", validation_alias=AliasChoices("REDDIT_URL"))
    reddit_poll_seconds: float = Field(
        60.0, gt=0, validation_alias=AliasChoices("REDDIT_POLL_SECONDS")
    )
    # Cases, incidents and spike alerts
    incident_window_minutes: float = Field(
        60.0, gt=0, validation_alias=AliasChoices("BOT_INCIDENT_WINDOW_MINUTES")
    )
    incident_min_mentions: int = Field(
        3, ge=2, validation_alias=AliasChoices("BOT_INCIDENT_MIN_MENTIONS")
    )
    spike_min: int = Field(10, ge=1, validation_alias=AliasChoices("BOT_SPIKE_MIN"))
    spike_factor: float = Field(3.0, gt=0, validation_alias=AliasChoices("BOT_SPIKE_FACTOR"))
    spike_cooldown_minutes: float = Field(
        60.0, gt=0, validation_alias=AliasChoices("BOT_SPIKE_COOLDOWN_MINUTES")
    )
    slack_alert_channel: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_ALERT_CHANNEL")
    )
    # People and measurement
    sla_minutes: float = Field(60.0, gt=0, validation_alias=AliasChoices("BOT_SLA_MINUTES"))
    digest_channel: str | None = Field(None, validation_alias=AliasChoices("BOT_DIGEST_CHANNEL"))
    crm_webhook_url: str | None = Field(None, validation_alias=AliasChoices("CRM_WEBHOOK_URL"))
    crm_webhook_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("CRM_WEBHOOK_SECRET")
    )
    # A shared Chroma server (several hosts); unset: the local directory in BOT_DATA_DIR
    chroma_host: str | None = Field(None, validation_alias=AliasChoices("CHROMA_HOST"))
    chroma_port: int = Field(8000, ge=1, le=65535, validation_alias=AliasChoices("CHROMA_PORT"))
    chroma_ssl: bool = Field(False, validation_alias=AliasChoices("CHROMA_SSL"))
    chroma_auth_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("CHROMA_AUTH_TOKEN")
    )
    claim_seconds: float = Field(120.0, gt=0, validation_alias=AliasChoices("BOT_CLAIM_SECONDS"))
    claim_batch: int = Field(50, ge=1, le=1000, validation_alias=AliasChoices("BOT_CLAIM_BATCH"))

    @property
    def x_configured(self) -> bool:
        """Reading needs a bearer token or user keys; posting needs the four user keys."""
        return bool(self.x_bearer_token or self.x_can_post)

    @property
    def x_can_post(self) -> bool:
        return all(
            (self.x_api_key, self.x_api_secret, self.x_access_token, self.x_access_token_secret)
        )

    @property
    def bluesky_configured(self) -> bool:
        return bool(self.bluesky_handle and self.bluesky_app_password)

    @property
    def mastodon_configured(self) -> bool:
        return bool(self.mastodon_api_base_url and self.mastodon_access_token)

    @property
    def reddit_configured(self) -> bool:
        return bool(
            self.reddit_client_id
            and self.reddit_client_secret
            and self.reddit_username
            and self.reddit_password
        )

    @property
    def reddit_subreddit_list(self) -> list[str]:
        names = (name.strip().removeprefix("r/") for name in self.reddit_subreddits.split(","))
        return [name for name in names if name]

    @field_validator(
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "webhook_secret",
        "x_bearer_token",
        "x_api_key",
        "x_api_secret",
        "x_access_token",
        "x_access_token_secret",
        "bluesky_app_password",
        "mastodon_access_token",
        "reddit_client_secret",
        "reddit_password",
        "crm_webhook_secret",
        "chroma_auth_token",
    )
    @classmethod
    def _real_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("is a placeholder; set the real value or leave it unset")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (use a random secret)")
        return value

    @field_validator(
        "slack_review_channel", "slack_expert_channel", "slack_oncall_group", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @property
    def approver_ids(self) -> tuple[set[str], set[str]]:
        """Return (user ids, user-group ids) from SLACK_APPROVERS."""
        return _user_and_group_ids(self.slack_approvers)

    @property
    def kb_editor_ids(self) -> tuple[set[str], set[str]]:
        """Return (user ids, user-group ids) from SLACK_KB_EDITORS; both empty = the approvers."""
        return _user_and_group_ids(self.slack_kb_editors)

    def require_slack(self, socket_mode: bool) -> None:
        """Fail fast, naming every missing variable, before starting the Slack app."""
        needed = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_REVIEW_CHANNEL": self.slack_review_channel,
        }
        if socket_mode:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        else:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        missing = [name for name, value in needed.items() if not value]
        if missing:
            raise SettingsError("missing setting(s): " + ", ".join(missing) + " (see .env.example)")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("brand_handle")
    @classmethod
    def _strip_at(cls, value: str) -> str:
        handle = value.strip().lstrip("@")
        if not handle or not handle.replace("_", "").isalnum():
            raise ValueError("must be an account handle such as 'ampwell'")
        return handle

    @field_validator("brand_name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("openai_api_key")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("is a placeholder; set a real key or leave it unset")
        return value

    @field_validator(
        "database_url",
        "openai_base_url",
        "openai_embedding_model",
        "x_search_query",
        "bluesky_handle",
        "mastodon_api_base_url",
        "reddit_client_id",
        "reddit_username",
        "reddit_user_agent",
        "reddit_search_query",
        "slack_alert_channel",
        "digest_channel",
        "crm_webhook_url",
        "chroma_host",
    )
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def sqlalchemy_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs name the dialect only; pick the psycopg 3 driver explicitly.
            if url.startswith("postgres://"):
                url = "postgresql://" + url[len("postgres://") :]
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            return url
        return f"sqlite:///{(self.data_dir / 'bot.sqlite3').resolve()}"

    @property
    def prompts_path(self) -> Path:
        """Return the prompts folder: the setting, else the one shipped beside the package."""
        if self.prompts_dir is not None:
            return self.prompts_dir
        shipped = Path(__file__).resolve().parent.parent / "prompts"
        return shipped if shipped.is_dir() else Path("prompts")

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None


def _user_and_group_ids(raw: str) -> tuple[set[str], set[str]]:
    """Split a comma-separated list into user ids and user-group ids (`S…`)."""
    items = {item.strip() for item in raw.split(",") if item.strip()}
    return {i for i in items if not i.startswith("S")}, {i for i in items if i.startswith("S")}


_FIELD_TO_ENV = {
    name: next(iter(field.validation_alias.choices))  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, `.env` and command-line overrides (None = unset)."""
    given = {_FIELD_TO_ENV[k]: v for k, v in overrides.items() if v is not None}
    try:
        return Settings.model_validate(given)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = str(err["loc"][0]) if err["loc"] else "?"
            env_name = _FIELD_TO_ENV.get(loc, loc)
            problems.append(f"{env_name}: {err['msg']}")
        raise SettingsError("invalid configuration — " + "; ".join(problems)) from None
