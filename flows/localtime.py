"""The district's time: one setting (`[sweep] timezone` in config.toml, or COMPLIANCE_SWEEP_TIMEZONE) for every
time a person reads (desk pages, reports, notices) and every time a script reads (ISO 8601 with the offset).

Times are stored in UTC and storage gives them back with their zone (storage.models.UTCDateTime) on SQLite and
PostgreSQL alike, so a time here always knows its zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_ZONE = "America/Denver"  # Albuquerque; the default of [sweep] timezone


def district_zone_name() -> str:
    """The configured time-zone name, or the fallback when it names no zone."""
    from flows.service_settings import load_settings

    name = load_settings().sweep.timezone or FALLBACK_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return FALLBACK_ZONE
    return name


def district_zone() -> ZoneInfo:
    return ZoneInfo(district_zone_name())


def to_local(value: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A moment in the district's zone. A time without a zone is refused rather than guessed (it would be read as
    this machine's zone)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time without its time zone")
    return value.astimezone(zone or district_zone())


def local_iso(value: datetime | date | None, zone: ZoneInfo | None = None) -> str | None:
    """ISO 8601 for scripts: a time in the district's zone with its offset (2026-11-20T09:05:00-07:00); a day
    as the day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_local(value, zone).isoformat(timespec="seconds")
    return value.isoformat()


def local_text(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A time as staff read it, in the district's zone and saying which: 'Nov 20, 2026 9:05 AM MST'."""
    if value is None:
        return ""
    t = to_local(value, zone)
    return t.strftime("%b %-d, %Y %-I:%M %p ") + (t.tzname() or "")


def local_short(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A compact time for tables: '2026-11-20 09:05 MST'."""
    if value is None:
        return ""
    t = to_local(value, zone)
    return t.strftime("%Y-%m-%d %H:%M ") + (t.tzname() or "")
