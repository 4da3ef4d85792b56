"""Settings of the long-lived service: watch folder, nightly sweep, notices and SMTP.

One place, two sources: `COMPLIANCE_HOME/config.toml` (sections [watch], [sweep], [notices], [smtp]) and
environment variables `COMPLIANCE_<SECTION>_<KEY>` (e.g. `COMPLIANCE_SMTP_HOST`), which win over the file.
Every key has a default that works on one machine with no mail server configured (notices then go to the
dry-run folder), so `compliance serve` starts with no configuration at all.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from storage.settings import compliance_home

CONFIG_FILE = "config.toml"


@dataclass
class WatchSettings:
    folder: str = ""  # default: COMPLIANCE_HOME/watch
    stable_seconds: float = 5.0  # a file is read once its size and mtime have not changed for this long
    poll_seconds: float = 2.0  # how often the folder is scanned (the fallback for network shares)
    events: bool = True  # also wake on file-system events where the platform gives them
    batch_size: int = 20  # files per ingestion flow run
    claim_timeout_seconds: float = 120.0  # a claim whose holder stopped beating for this long is taken over
    recheck: bool = True  # re-check the affected requests after each batch


@dataclass
class SweepSettings:
    cron: str = "0 2 * * *"  # every night at 02:00
    timezone: str = "America/Denver"  # the district's time zone (schedule and "today")
    policy: str = ""  # a policy file; default: the APS policy
    workers: int = 0  # processes checking requests in parallel (large registries); 0: one per core


@dataclass
class NoticeSettings:
    reminder_days: list[int] = field(default_factory=lambda: [30, 14, 7])
    staff: list[str] = field(default_factory=list)  # recipients of the daily digest
    digest_days_ahead: int = 14  # upcoming first uses with open flags shown in the digest
    dry_run: bool = False  # write notices to the dry-run folder instead of sending them
    dry_run_folder: str = ""  # default: COMPLIANCE_HOME/outbox
    district: str = "Albuquerque Public Schools"  # who the notices come from, in their text


@dataclass
class SmtpSettings:
    host: str = ""  # empty: no mail server; notices are written to the dry-run folder
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "compliance@localhost"  # the From address
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


SECTIONS = {"watch": WatchSettings, "sweep": SweepSettings, "notices": NoticeSettings, "smtp": SmtpSettings}
ENV_ALIASES = {"smtp": {"from": "sender"}}  # COMPLIANCE_SMTP_FROM / [smtp] from = …


def _convert(value: Any, default: Any) -> Any:
    """Read a file or environment value as the type of the default."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"'{value}' is not yes/no")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, list):
        items = value if isinstance(value, list) else [v for v in str(value).replace(";", ",").split(",")]
        items = [str(v).strip() for v in items if str(v).strip()]
        return [int(v) for v in items] if default and isinstance(default[0], int) else items
    return str(value)


def load_settings(home: Path | None = None, environ: dict[str, str] | None = None) -> ServiceSettings:
    """Settings from COMPLIANCE_HOME/config.toml, then COMPLIANCE_<SECTION>_<KEY> variables on top."""
    home = home or compliance_home()
    env = os.environ if environ is None else environ
    settings = ServiceSettings(home=home)
    data: dict[str, Any] = {}
    config = Path(env.get("COMPLIANCE_CONFIG") or home / CONFIG_FILE)
    if config.exists():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            settings.problems.append(f"{config}: cannot be read ({e})")
    for section, cls in SECTIONS.items():
        target = getattr(settings, section)
        aliases = ENV_ALIASES.get(section, {})
        from_file = {aliases.get(k, k): v for k, v in (data.get(section) or {}).items()}
        unknown = set(from_file) - {f.name for f in fields(cls)}
        for key in sorted(unknown):
            settings.problems.append(f"{config}: [{section}] {key} is not a setting")
        for f in fields(cls):
            names = [f"COMPLIANCE_{section}_{f.name}".upper()]
            names += [f"COMPLIANCE_{section}_{alias}".upper() for alias, real in aliases.items() if real == f.name]
            raw = next((env[n] for n in names if n in env), from_file.get(f.name))
            if raw is None:
                continue
            try:
                setattr(target, f.name, _convert(raw, getattr(target, f.name)))
            except (TypeError, ValueError) as e:
                settings.problems.append(f"[{section}] {f.name} = {raw!r}: {e}; using {getattr(target, f.name)!r}")
    return settings


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
    for section, cls in SECTIONS.items():
        aliases = ENV_ALIASES.get(section, {})
        from_file = {aliases.get(k, k) for k in (data.get(section) or {})}
        for f in fields(cls):
            names = [f"COMPLIANCE_{section}_{f.name}".upper()]
            names += [f"COMPLIANCE_{section}_{alias}".upper() for alias, real in aliases.items() if real == f.name]
            source = next((f"${n}" for n in names if n in env), str(config) if f.name in from_file else "default")
            value = getattr(getattr(settings, section), f.name)
            if (section, f.name) in SECRET_KEYS and value:
                value = "(set, not shown)"
            out.append(SettingInForce(section, f.name, value, source))
    return out
