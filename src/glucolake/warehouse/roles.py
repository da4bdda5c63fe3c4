"""Least privilege in a Postgres warehouse: dashboards read the marts and nothing else.

``glucolake_dashboards`` is a group role without login; Superset's login role (created at
deploy time, with its own password) is made a member of it. It may use the schema ``marts`` and
select from its tables; it gets nothing on ``curated`` or anywhere else. dbt re-grants SELECT
on every mart it rebuilds (the ``grants`` config in dbt_project.yml).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg

from glucolake.warehouse.load import WarehouseError

if TYPE_CHECKING:
    from glucolake.settings import PostgresWarehouse

__all__ = ["DASHBOARD_ROLE", "prepare_dashboard_role"]

DASHBOARD_ROLE = "glucolake_dashboards"

_STATEMENTS = (
    f"""
    do $$ begin
        if not exists (select from pg_roles where rolname = '{DASHBOARD_ROLE}') then
            create role {DASHBOARD_ROLE} nologin;
        end if;
    end $$
    """,
    "create schema if not exists marts",
    f"grant usage on schema marts to {DASHBOARD_ROLE}",
    f"revoke all on schema curated from {DASHBOARD_ROLE}",
    f"revoke all on all tables in schema curated from {DASHBOARD_ROLE}",
)


def prepare_dashboard_role(warehouse: PostgresWarehouse) -> None:
    """Create the dashboards' role if missing and give it the marts schema, and only that.

    Raises:
        WarehouseError: the warehouse refused (the message names it, never the password).
    """
    try:
        with psycopg.connect(
            host=warehouse.host,
            port=warehouse.port,
            user=warehouse.user,
            dbname=warehouse.dbname,
            password=warehouse.password.reveal() if warehouse.password else None,
            connect_timeout=10,
        ) as connection:
            for statement in _STATEMENTS:
                connection.execute(statement)  # constant SQL, no input
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseError(
            f"warehouse {warehouse.display}: cannot grant the dashboards' role ({reason})"
        ) from None
