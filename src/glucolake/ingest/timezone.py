"""Which time zone a source's local days and hours are computed in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from glucolake.logs import fields, get_logger

if TYPE_CHECKING:
    from glucolake.settings import Source

__all__ = ["resolve_timezone"]

log = get_logger(__name__)


def resolve_timezone(source: Source, profiles: list[Any]) -> tuple[str, str]:
    """Return ``(time zone, origin)``: the configured zone, else the profile's, else UTC.

    Origin is ``config``, ``profile`` or ``default``. A profile zone that is not IANA (Nightscout
    sites carry ``GMT+4`` and the like) is not guessed at: it falls back to UTC with a warning,
    because a wrong zone silently shifts every daily figure.
    """
    if source.timezone is not None:
        return source.timezone, "config"
    candidate = _profile_timezone(profiles)
    if candidate is not None:
        try:
            ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning(
                "timezone_unknown",
                extra=fields(
                    source=source.id,
                    profile_timezone=candidate,
                    using="UTC",
                    hint="set timezone: for this source in the sources file",
                ),
            )
        else:
            return candidate, "profile"
    else:
        log.warning(
            "timezone_missing",
            extra=fields(
                source=source.id,
                using="UTC",
                hint="the site's profile has no time zone; set timezone: in the sources file",
            ),
        )
    return "UTC", "default"


def _profile_timezone(profiles: list[Any]) -> str | None:
    """The time zone of the newest profile's default store, if any."""
    dated = [p for p in profiles if isinstance(p, dict)]
    dated.sort(key=lambda p: str(p.get("startDate") or p.get("created_at") or ""), reverse=True)
    for profile in dated:
        store = profile.get("store")
        default = profile.get("defaultProfile")
        if isinstance(store, dict) and isinstance(store.get(default), dict):
            zone = store[default].get("timezone")
            if isinstance(zone, str) and zone.strip():
                return zone.strip()
        zone = profile.get("timezone")
        if isinstance(zone, str) and zone.strip():
            return zone.strip()
    return None
