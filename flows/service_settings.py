"""Settings of the long-lived service: watch folder, nightly sweep, notices and SMTP.

One place, two sources: `COMPLIANCE_HOME/config.toml` (sections [watch], [sweep], [notices], [smtp]) and
environment variables `COMPLIANCE_<SECTION>_<KEY>` (e.g. `COMPLIANCE_SMTP_HOST`), which win over the file.
Every key has a default that works on one machine with no mail server configured (notices then go to the
dry-run folder), so `compliance serve` starts with no configuration at all.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from storage.settings import compliance_home

CONFIG_FILE = "config.toml"


class _Section(BaseSettings):
    """One section of the settings: its keys typed and checked by pydantic; read from the file and the
    environment by load_settings (pydantic-settings' own environment source, given the variables)."""

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=False)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   **_: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # load_settings merges the file and the environment itself, in that order


def _items(value: Any) -> Any:
    """A list setting written as text ("30, 14; 7" or "a@x.org,b@x.org"), or as a TOML list."""
    if isinstance(value, str):
        return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    return value


class WatchSettings(_Section):
    folder: str = ""  # default: COMPLIANCE_HOME/watch
    stable_seconds: float = 5.0  # a file is read once its size and mtime have not changed for this long
    poll_seconds: float = 2.0  # how often the folder is scanned (the fallback for network shares)
    events: bool = True  # also wake on file-system events where the platform gives them
    batch_size: int = 20  # files per ingestion flow run
    claim_timeout_seconds: float = 120.0  # a claim whose holder stopped beating for this long is taken over
    recheck: bool = True  # re-check the affected requests after each batch


class SweepSettings(_Section):
    cron: str = "0 2 * * *"  # every night at 02:00
    timezone: str = "America/Denver"  # the district's time zone (schedule, "today", every time shown)
    policy: str = ""  # a policy file; default: the APS policy
    workers: int = 0  # processes checking requests in parallel (large registries); 0: one per core


class NoticeSettings(_Section):
    reminder_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [30, 14, 7])
    staff: Annotated[list[str], NoDecode] = Field(default_factory=list)  # recipients of the daily digest
    digest_days_ahead: int = 14  # upcoming first uses with open flags shown in the digest
    dry_run: bool = False  # write notices to the dry-run folder instead of sending them
    dry_run_folder: str = ""  # default: COMPLIANCE_HOME/outbox
    district: str = "Albuquerque Public Schools"  # who the notices come from, in their text

    _split = field_validator("reminder_days", "staff", mode="before")(_items)


class SmtpSettings(_Section):
    host: str = ""  # empty: no mail server; notices are written to the dry-run folder
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "compliance@localhost"  # the From address ([smtp] from = …, COMPLIANCE_SMTP_FROM)
    security: str = "none"  # none | starttls | ssl
    timeout_seconds: float = 20.0
    per_minute: float = 30.0  # rate limit: at most this many messages a minute


@dataclass
class ServiceSettings:
    home: Path
    watch: WatchSettings = field(default_factory=WatchSettings)
    sweep: SweepSettings = field(default_factory=SweepSettings)
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    problems: list[str] = field(default_factory=list)  # keys that could not be read, for `doctor`

    @property
    def watch_folder(self) -> Path:
        return Path(self.watch.folder).expanduser() if self.watch.folder else self.home / "watch"

    @property
    def outbox(self) -> Path:
        return Path(self.notices.dry_run_folder).expanduser() if self.notices.dry_run_folder else self.home / "outbox"

    @property
    def sends_mail(self) -> bool:
        """Mail goes out over SMTP only with a host configured and dry-run off."""
        return bool(self.smtp.host) and not self.notices.dry_run

    @property
    def policy_path(self) -> Path | None:
        return Path(self.sweep.policy).expanduser() if self.sweep.policy else None


SECTIONS: dict[str, type[_Section]] = {"watch": WatchSettings, "sweep": SweepSettings, "notices": NoticeSettings,
                                       "smtp": SmtpSettings}
ENV_ALIASES = {"smtp": {"from": "sender"}}  # COMPLIANCE_SMTP_FROM / [smtp] from = …


class _GivenEnvironment(EnvSettingsSource):
    """pydantic-settings' environment source over the variables given (tests, `doctor`), not only os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: dict[str, str], prefix: str) -> None:
        self._given = environ
        super().__init__(settings_cls, case_sensitive=False, env_prefix=prefix)

    def _load_env_vars(self) -> dict[str, str | None]:
        return {k.lower(): v for k, v in self._given.items()}  # case_sensitive=False: names match in lower case


def _env_names(section: str, key: str) -> list[str]:
    names = (key, *(alias for alias, real in ENV_ALIASES.get(section, {}).items() if real == key))
    return [f"COMPLIANCE_{section}_{name}".upper() for name in names]


def _section(section: str, cls: type[_Section], from_file: dict[str, Any], env: dict[str, str], config: Path,
             problems: list[str]) -> _Section:
    """A section from the file's values with the environment's on top; a value that cannot be used is left
    out (its default stands) and said in `problems`."""
    aliases = ENV_ALIASES.get(section, {})
    values = {aliases.get(k, k): v for k, v in from_file.items()}
    from_env = _GivenEnvironment(cls, env, f"COMPLIANCE_{section}_")()
    lower = {k.lower(): v for k, v in env.items()}
    for alias, real in aliases.items():  # COMPLIANCE_SMTP_FROM: the name the file uses, in the environment
        name = f"compliance_{section}_{alias}"
        if real not in from_env and name in lower:
            from_env[real] = lower[name]
    values.update(from_env)
    for _ in range(len(values) + 1):
        try:
            return cls(**values)
        except ValidationError as e:
            for err in e.errors():
                key = str(err["loc"][0]) if err["loc"] else ""
                key = aliases.get(key, key)
                if err["type"] == "extra_forbidden":
                    problems.append(f"{config}: [{section}] {key} is not a setting")
                else:
                    default = cls.model_fields[key].get_default(call_default_factory=True)
                    problems.append(f"[{section}] {key} = {values.get(key)!r}: {err['msg']}; using {default!r}")
                values.pop(key, None)
    return cls()


def load_settings(home: Path | None = None, environ: dict[str, str] | None = None) -> ServiceSettings:
    """Settings from COMPLIANCE_HOME/config.toml, then COMPLIANCE_<SECTION>_<KEY> variables on top."""
    home = home or compliance_home()
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []
    data: dict[str, Any] = {}
    config = config_file(home, env)
    if config.exists():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            problems.append(f"{config}: cannot be read ({e})")
    sections = {name: _section(name, cls, data.get(name) or {}, env, config, problems)
                for name, cls in SECTIONS.items()}
    return ServiceSettings(home=home, problems=problems, **sections)  # type: ignore[arg-type]


SECRET_KEYS = {("smtp", "password")}


@dataclass
class SettingInForce:
    """One setting as `compliance config show` prints it: its value and where the value came from."""

    section: str
    key: str
    value: Any
    source: str  # "default", the config file's path, or the environment variable's name


def config_file(home: Path | None = None, environ: dict[str, str] | None = None) -> Path:
    """The configuration file read: $COMPLIANCE_CONFIG, else COMPLIANCE_HOME/config.toml."""
    env = os.environ if environ is None else environ
    return Path(env.get("COMPLIANCE_CONFIG") or (home or compliance_home()) / CONFIG_FILE)


def settings_in_force(home: Path | None = None, environ: dict[str, str] | None = None) -> list[SettingInForce]:
    """Every setting with the value load_settings gives it and its source (the same order of precedence:
    environment variable, then the file, then the default). Passwords are not shown."""
    env = os.environ if environ is None else environ
    settings = load_settings(home, env)
    config = config_file(settings.home, env)
    data: dict[str, Any] = {}
    if config.exists():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
    out = []
    upper = {k.upper() for k in env}
    for section, cls in SECTIONS.items():
        aliases = ENV_ALIASES.get(section, {})
        from_file = {aliases.get(k, k) for k in (data.get(section) or {})}
        for key in cls.model_fields:
            env_name = next((n for n in _env_names(section, key) if n in upper), None)
            source = f"${env_name}" if env_name else (str(config) if key in from_file else "default")
            value = getattr(getattr(settings, section), key)
            if (section, key) in SECRET_KEYS and value:
                value = "(set, not shown)"
            out.append(SettingInForce(section, key, value, source))
    return out
