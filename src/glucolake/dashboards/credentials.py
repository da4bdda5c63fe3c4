"""Who imports the dashboards, and the warehouse password Superset will connect with.

Read from an environment mapping that the command line passes in (``os.environ`` there, a dict
in tests): ``SUPERSET_USERNAME`` and ``SUPERSET_PASSWORD`` (a Superset user allowed to import
dashboards) and ``GLUCOLAKE_DASHBOARD_DB_PASSWORD`` (the warehouse login role's password).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from glucolake.settings import ConfigError, Secret

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ImportCredentials"]


@dataclass(frozen=True, kw_only=True)
class ImportCredentials:
    """The secrets ``glucolake dashboards import`` needs; they never print."""

    username: str
    password: Secret
    warehouse_password: Secret | None
    """``None``: send none, and Superset keeps the password of a connection it already has."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ImportCredentials:
        """Read the credentials, or raise ConfigError naming the missing variable."""
        missing = [n for n in ("SUPERSET_USERNAME", "SUPERSET_PASSWORD") if not environ.get(n)]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} not set: the Superset user that imports the dashboards"
            )
        warehouse_password = environ.get("GLUCOLAKE_DASHBOARD_DB_PASSWORD") or None
        return cls(
            username=environ["SUPERSET_USERNAME"],
            password=Secret(environ["SUPERSET_PASSWORD"]),
            warehouse_password=Secret(warehouse_password) if warehouse_password else None,
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values, for log redaction."""
        values = [self.password.reveal()]
        if self.warehouse_password is not None:
            values.append(self.warehouse_password.reveal())
        return tuple(values)
