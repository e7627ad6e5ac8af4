"""System checks run by ``spilno check``: is this installation's audit log protected?"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError, connections

from spilno.audit.triggers import PROTECTED_TABLES, expected_triggers, installed_triggers


@register(Tags.database)
def audit_triggers_installed(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for alias in databases or []:
        connection = connections[alias]
        try:
            tables = set(connection.introspection.table_names())
        except DatabaseError as exc:
            messages.append(Error(f"Database {alias!r} unreachable: {exc}", id="spilno.E002"))
            continue
        for table in PROTECTED_TABLES:
            if table not in tables:
                continue  # not migrated yet: `spilno migrate` installs table and triggers together
            missing = expected_triggers(connection.vendor, table) - installed_triggers(
                connection, table
            )
            if missing:
                messages.append(
                    Error(
                        f"Audit table {table} is not append-only: triggers {sorted(missing)} are "
                        "missing.",
                        hint="Re-run migration audit 0002 or restore the triggers.",
                        id="spilno.E001",
                    )
                )
    return messages
