"""The database itself refuses to change or remove audit rows (migration audit 0002)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from spilno.audit.models import AuditCheckpoint, AuditEntry
from spilno.audit.services import record
from spilno.audit.services.checkpoint import create_checkpoint
from spilno.audit.triggers import MESSAGE, PROTECTED_TABLES, expected_triggers, installed_triggers
from spilno.kernel.access import SystemActor
from tests.helpers import drop_audit_triggers, rolled_back

pytestmark = pytest.mark.django_db

STATEMENTS = {
    "update": "UPDATE {table} SET {column} = {column}",
    "delete": "DELETE FROM {table}",
}
COLUMN = {"audit_auditentry": "action", "audit_auditcheckpoint": "signature"}


@pytest.fixture
def rows() -> None:
    """At least one row in each protected table."""
    with transaction.atomic():
        record(actor=SystemActor(), action="test.row")
    create_checkpoint(actor=SystemActor())
    assert AuditEntry.objects.exists()
    assert AuditCheckpoint.objects.exists()


def row_counts() -> tuple[int, int]:
    return AuditEntry.objects.count(), AuditCheckpoint.objects.count()


@pytest.mark.parametrize("table", PROTECTED_TABLES)
def test_the_triggers_are_installed(table: str) -> None:
    assert expected_triggers(connection.vendor, table) <= installed_triggers(connection, table)


@pytest.mark.parametrize("statement", sorted(STATEMENTS))
@pytest.mark.parametrize("table", PROTECTED_TABLES)
def test_raw_sql_cannot_change_or_remove_audit_rows(rows: None, table: str, statement: str) -> None:
    before = row_counts()
    sql = STATEMENTS[statement].format(table=table, column=COLUMN[table])
    # The savepoint keeps the test's transaction usable after the refused statement.
    with pytest.raises(DatabaseError, match=MESSAGE), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert row_counts() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("table", PROTECTED_TABLES)
def test_truncate_is_refused_on_postgresql(rows: None, table: str) -> None:
    before = row_counts()
    with pytest.raises(DatabaseError, match=MESSAGE), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert row_counts() == before


def test_the_orm_cannot_change_or_remove_audit_rows(rows: None) -> None:
    entry = AuditEntry.objects.order_by("pk").first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.action = "tampered"
        entry.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditCheckpoint.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.row"


def test_appending_is_still_allowed(rows: None) -> None:
    before = AuditEntry.objects.count()
    with transaction.atomic():
        record(actor=SystemActor(), action="test.append")
    assert AuditEntry.objects.count() == before + 1


def test_dropped_triggers_come_back_when_the_transaction_rolls_back(rows: None) -> None:
    """The tampering tests rely on this: dropping a trigger is undone by the rollback."""
    table = "audit_auditentry"
    expected = expected_triggers(connection.vendor, table)
    with rolled_back():
        drop_audit_triggers(table)
        assert not expected & installed_triggers(connection, table)
        AuditEntry.objects.update(action="tampered")  # allowed while the triggers are gone
    assert expected <= installed_triggers(connection, table)
    assert not AuditEntry.objects.filter(action="tampered").exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(action="tampered")
