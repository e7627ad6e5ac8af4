"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection, transaction

from spilno.audit import triggers
from spilno.audit.models import AuditEntry

PASSWORD = "long-enough-pw-1"


def audit_count() -> int:
    return AuditEntry.objects.count()


def drop_audit_triggers(*tables: str) -> None:
    """Drop the append-only triggers until the current transaction ends.

    Only inside a transaction that will roll back (every ``django_db`` test is one): the
    rollback reinstalls the triggers, on SQLite and PostgreSQL alike (both have transactional
    DDL). ``test_triggers.py`` checks that this really holds.
    """
    assert connection.in_atomic_block, "tamper only inside a transaction that will roll back"
    with connection.cursor() as cursor:
        for table in tables or ("audit_auditentry",):
            for statement in triggers.drop_sql(connection.vendor, table):
                cursor.execute(statement)


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and undo everything it wrote, triggers dropped included.

    Hypothesis runs many examples in one test; this keeps them from seeing each other's rows.
    """
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass
