"""BankFlow settings: one typed object read from BANKFLOW_* environment variables or `.env`.

An empty service setting (database, Kafka, Redis, SMTP, Ray) means "start the embedded one";
the resolved addresses of a running stack are kept in `<data_dir>/run/endpoints.json`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actors.smtp_url import parse_smtp_url
from models.ledger.view import DEFAULT_DAILY_LIMIT_UNITS
from models.money import parse_amount
from models.reports import CTR_CURRENCY, DEFAULT_CTR_THRESHOLD, business_zone

ENV_PREFIX = "BANKFLOW_"
ENDPOINTS_FILE = Path("run") / "endpoints.json"
_SECRET_FIELDS = frozenset(
    {
        "jwt_private_key_pem",
        "database_url",
        "database_owner_url",
        "redis_url",
        "smtp_url",
        "data_keys_json",
        "admin_password",
        "sms_auth_token",
        "push_access_token",
    }
)
# The service addresses `bankflow up` resolves and records in ENDPOINTS_FILE.
_ADDRESS_FIELDS = ("database_url", "database_owner_url", "kafka_bootstrap", "redis_url", "smtp_url", "ray_address")
MAIL_FROM_MAX_CHARS = 320  # a header line stays well under SMTP's 998-character line limit
_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


class SettingsError(ValueError):
    """A setting is invalid; the message is one line naming it."""


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only: 127.0.0.0/8, ::1 or
    localhost. The wildcards (0.0.0.0, ::) and any other name or address are not."""
    name = host.strip().removeprefix("[").removesuffix("]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_metrics_exposure(http_host: str, metrics_token: SecretStr) -> None:
    """Without a metrics token, GET /metrics is open: only while the API listens on loopback."""
    if metrics_token.get_secret_value() or is_loopback(http_host):
        return
    raise SettingsError(
        f"the HTTP API listens on {http_host}, beyond this machine, and BANKFLOW_METRICS_TOKEN is empty:"
        " GET /metrics would be open to the network; set BANKFLOW_METRICS_TOKEN,"
        " or listen on a loopback address (127.0.0.1, ::1, localhost)"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(default=Path(".bankflow"), description="where embedded data and run files live")
    database_url: str = Field(
        default="",
        description="PostgreSQL DSN the services connect with (a login granted bankflow_service); "
        "empty starts embedded PostgreSQL",
    )
    database_owner_url: str = Field(
        default="",
        description="PostgreSQL DSN of the schema's owner, which runs the migrations; empty: the embedded "
        "superuser, or BANKFLOW_DATABASE_URL for an external database",
    )
    kafka_bootstrap: str = Field(
        default="", description="Kafka bootstrap servers host:port[,…]; empty starts the embedded broker"
    )
    redis_url: str = Field(default="", description="Redis URL; empty starts embedded Redis")
    smtp_url: SecretStr = Field(
        default=SecretStr(""),
        description="smtp://host:port or smtps://user:password@host:port; empty starts the embedded SMTP server",
    )
    mail_from: str = Field(
        default="BankFlow <no-reply@bankflow.local>",
        min_length=3,
        max_length=MAIL_FROM_MAX_CHARS,
        description="the From of every email BankFlow sends",
    )
    ray_address: str = Field(
        default="",
        validation_alias=AliasChoices("BANKFLOW_RAY_ADDRESS", "RAY_ADDRESS"),
        description="Ray GCS address host:port; empty starts a local Ray head",
    )
    account_shards: int = Field(default=4, ge=1, le=256, description="number of AccountShard actors")
    ledger_actor_resources: dict[str, float] = Field(
        default_factory=dict,
        description="custom Ray resources the shards, relay, jobs and notifications actors ask for (JSON), "
        'e.g. {"ledger": 1} to place them on a cluster\'s ledger worker group',
    )
    jwt_private_key_pem: SecretStr = Field(
        default=SecretStr(""), description="Ed25519 PEM key signing access tokens; empty uses a generated dev key"
    )
    jwt_key_id: str = Field(default="dev-1", min_length=1, max_length=64, description="`kid` of the signing key")
    jwt_previous_public_keys: str = Field(
        default="{}", description='JSON {"kid": "PEM public key"} of retired signing keys still accepted'
    )
    data_keys_json: SecretStr = Field(
        default=SecretStr(""), description='JSON {"kid": "base64 32-byte key"} encrypting secrets at rest'
    )
    data_key_id: str = Field(default="", max_length=64, description="the data key used for new encryptions")
    access_token_ttl_s: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_s: int = Field(default=7 * 24 * 3600, ge=3600, le=90 * 24 * 3600)
    argon2_memory_kib: int = Field(default=19_456, ge=8, le=1_048_576, description="argon2id memory cost")
    argon2_time_cost: int = Field(default=2, ge=1, le=20, description="argon2id iterations")
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_s: int = Field(default=900, ge=1, le=86_400)
    rate_limit_per_minute: int = Field(default=100, ge=1, le=1_000_000, description="requests per user per minute")
    auth_rate_limit_per_minute: int = Field(
        default=30, ge=1, le=1_000_000, description="auth requests per IP per minute"
    )
    account_lookup_limit_per_minute: int = Field(
        default=30,
        ge=1,
        le=1_000_000,
        description="account-number lookups (and payees saved) per user per minute: a tighter window, "
        "so that numbers cannot be swept for their holders' names",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="bearer token a scrape of GET /metrics must present; empty leaves /metrics open (laptops)",
    )
    otlp_traces_endpoint: str = Field(
        default="",
        max_length=500,
        description="OTLP/HTTP endpoint traces are exported to, e.g. http://collector:4318/v1/traces; empty: off",
    )
    trace_sample_ratio: float = Field(
        default=1.0, ge=0.0, le=1.0, description="share of new traces recorded when OTLP export is on"
    )
    cors_allowed_origins: list[str] = Field(default_factory=list, description="JSON list of allowed browser origins")
    document_store_url: str = Field(
        default="", description="where KYC documents are kept: file:///path; empty is <data_dir>/documents"
    )
    max_transfer_units: int = Field(
        default=1_000_000, ge=1, le=10**12, description="largest single outgoing movement, in major units"
    )
    daily_outgoing_limit_units: int = Field(
        default=DEFAULT_DAILY_LIMIT_UNITS,
        ge=0,
        le=10**12,
        description="default outgoing money per account per UTC day, major units (the ledger's shards enforce it)",
    )
    fraud_timeout_ms: int = Field(
        default=250, ge=1, le=60_000, description="how long the money path waits for a fraud score"
    )
    fraud_timeout_allow_units: int = Field(
        default=100,
        ge=0,
        le=10**12,
        description="unscored movements below this (major units) go through; others wait for review",
    )
    payment_authorisation_s: int = Field(
        default=7 * 24 * 3600, ge=1, le=31 * 24 * 3600, description="how long a payment authorisation holds funds"
    )
    ach_window_s: int = Field(default=60, ge=1, le=86_400, description="the rails simulator's ACH batching window")
    wire_delay_s: float = Field(default=1.0, ge=0, le=86_400, description="the rails simulator's delay for wires")
    jobs_poll_interval_ms: int = Field(
        default=500, ge=10, le=60_000, description="how often the scheduler and the settlement rails look for work"
    )
    sms_api_url: str = Field(
        default="", max_length=2048, description="Twilio-shaped SMS API base URL; empty: SMS is not configured"
    )
    sms_account_sid: str = Field(default="", max_length=128, description="the SMS provider's account id")
    sms_auth_token: SecretStr = Field(default=SecretStr(""), description="the SMS provider's auth token")
    sms_from: str = Field(default="", max_length=32, description="the number SMS messages come from")
    push_api_url: str = Field(
        default="", max_length=2048, description="FCM-HTTP-v1-shaped push API base URL; empty: push is not configured"
    )
    push_project_id: str = Field(default="", max_length=128, description="the push provider's project")
    push_access_token: SecretStr = Field(default=SecretStr(""), description="the push provider's bearer token")
    notification_retry_base_ms: int = Field(
        default=1_000, ge=1, le=600_000, description="first retry delay of a failed delivery (doubles, with jitter)"
    )
    notification_retry_cap_ms: int = Field(
        default=300_000, ge=1, le=86_400_000, description="longest delay between delivery attempts"
    )
    admin_email: str = Field(default="admin@bankflow.local", description="the first admin user, created by `up`")
    admin_password: SecretStr = Field(default=SecretStr(""), description="its password; empty generates one")
    http_host: str = Field(default="127.0.0.1", min_length=1, description="address the HTTP API listens on")
    http_port: int = Field(default=8000, ge=1, le=65535, description="port of the HTTP API")
    postgres_port: int = Field(default=54329, ge=1, le=65535, description="port of embedded PostgreSQL")
    kafka_port: int = Field(default=19092, ge=1, le=65535, description="port of the embedded Kafka broker")
    redis_port: int = Field(default=16379, ge=1, le=65535, description="port of embedded Redis")
    smtp_port: int = Field(default=10025, ge=1, le=65535, description="port of the embedded SMTP server")
    ray_port: int = Field(default=26380, ge=1, le=65535, description="GCS port of the local Ray head")
    ray_num_cpus: int = Field(default=8, ge=1, le=1024, description="logical CPUs of the local Ray head")
    ray_object_store_mb: int = Field(
        default=1024, ge=100, le=1_000_000, description="object store size of the local Ray head"
    )
    ray_dashboard: bool = Field(default=True, description="start the Ray dashboard with the local head")
    ray_dashboard_port: int = Field(default=8265, ge=1, le=65535, description="port of the local Ray dashboard")
    service_start_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="bound on waiting for a service to be ready"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    business_time_zone: str = Field(
        default="America/New_York", description="the IANA time zone of the bank's business day (the reports')"
    )
    ctr_threshold: str = Field(
        default=DEFAULT_CTR_THRESHOLD,
        description="USD: a customer's cash in (or out) above this in one business day is a CTR candidate",
    )

    @field_validator("business_time_zone")
    @classmethod
    def _business_time_zone(cls, value: str) -> str:
        business_zone(value)
        return value

    @field_validator("ctr_threshold")
    @classmethod
    def _ctr_threshold(cls, value: str) -> str:
        parse_amount(value, CTR_CURRENCY)
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url", "database_owner_url")
    @classmethod
    def _database_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (or be empty for embedded PostgreSQL)")
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _bootstrap_servers(cls, value: str) -> str:
        for server in filter(None, value.split(",")):
            if not _HOST_PORT.match(server.strip()):
                raise ValueError(f"{server!r} is not host:port")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix:// (or be empty for embedded Redis)")
        return value

    @field_validator("sms_api_url", "push_api_url")
    @classmethod
    def _provider_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// URL (or empty: the channel is not configured)")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value():
            parse_smtp_url(value.get_secret_value())
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str) -> str:
        # A line break would let the setting write further headers into every email.
        if "\r" in value or "\n" in value:
            raise ValueError("must be one line")
        _, address = parseaddr(value)
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain:
            raise ValueError('must be an address like "BankFlow <no-reply@bank.example>" or no-reply@bank.example')
        return value

    @field_validator("ray_address")
    @classmethod
    def _ray_address(cls, value: str) -> str:
        if value and value != "auto" and not _HOST_PORT.match(value.removeprefix("ray://")):
            raise ValueError("must be host:port, ray://host:port or auto")
        return value

    @field_validator("http_host")
    @classmethod
    def _metrics_not_open_beyond_loopback(cls, value: str, info: ValidationInfo) -> str:
        # metrics_token is declared (so validated) before http_host; were it not, the check would
        # see no token and refuse: it fails closed.
        check_metrics_exposure(value, info.data.get("metrics_token", SecretStr("")))
        return value

    @field_validator("jwt_private_key_pem")
    @classmethod
    def _pem(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if text and not ("-----BEGIN" in text and "PRIVATE KEY-----" in text):
            raise ValueError("must be a PEM private key")
        return value

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    def with_dev_keys(self) -> Settings:
        """These settings, with development keys (created under the data dir once) for any
        signing or data key not configured."""
        from actors.keys import ensure_dev_keys  # noqa: PLC0415 -- keys import cryptography; settings stay light

        dev = ensure_dev_keys(self.data_dir)
        update: dict[str, object] = {}
        if not self.jwt_private_key_pem.get_secret_value():
            update |= {"jwt_private_key_pem": SecretStr(dev["jwt_private_key_pem"]), "jwt_key_id": dev["jwt_key_id"]}
        if not self.data_keys_json.get_secret_value():
            update |= {"data_keys_json": SecretStr(dev["data_keys_json"]), "data_key_id": dev["data_key_id"]}
        return self.model_copy(update=update)

    def with_document_store(self) -> Settings:
        if self.document_store_url:
            return self
        return self.model_copy(update={"document_store_url": (self.data_dir / "documents").as_uri()})

    def with_endpoints(self) -> Settings:
        """These settings with empty service addresses filled from the running stack."""
        path = self.data_dir / ENDPOINTS_FILE
        if not path.exists():
            return self
        recorded = json.loads(path.read_text())
        filled = {name: recorded[name] for name in _ADDRESS_FIELDS if not getattr(self, name) and recorded.get(name)}
        return self.with_addresses(filled)

    @property
    def revoked_session_ttl_s(self) -> int:
        """How long a revoked session's mark stays in Redis: past the last access token it signed."""
        return self.access_token_ttl_s + 60

    @property
    def migration_url(self) -> str:
        """Who applies migrations: the schema's owner, else the services' DSN (an external database
        where they are one role: the audit trail is then append-only by its trigger alone)."""
        return self.database_owner_url or self.database_url

    def with_addresses(self, addresses: Mapping[str, str]) -> Settings:
        """These settings with service addresses as `up` resolved them (secret ones kept secret)."""
        update = {
            name: SecretStr(value) if isinstance(getattr(self, name), SecretStr) else value
            for name, value in addresses.items()
        }
        return self.model_copy(update=update)


def describe_validation_error(error: ValidationError) -> str:
    """One line naming every invalid setting by its environment variable."""
    parts = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        name = field if field.startswith(ENV_PREFIX) or field.startswith("RAY_") else ENV_PREFIX + field.upper()
        got = "<secret>" if field in _SECRET_FIELDS else repr(item.get("input"))
        parts.append(f"{name}: {item['msg']} (got {got})")
    return "invalid setting " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`; raise SettingsError naming a bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
