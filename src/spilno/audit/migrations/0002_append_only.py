"""Make the audit tables append-only in the database itself, and create the stream heads."""

from django.db import migrations

from spilno.audit.triggers import PROTECTED_TABLES, drop_sql, install_sql

STREAMS = 16


def install(apps, schema_editor):
    for table in PROTECTED_TABLES:
        for statement in install_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)
    AuditStream = apps.get_model("audit", "AuditStream")
    AuditStream.objects.bulk_create(AuditStream(pk=i, seq=0) for i in range(1, STREAMS + 1))


def uninstall(apps, schema_editor):
    for table in PROTECTED_TABLES:
        for statement in drop_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)
    apps.get_model("audit", "AuditStream").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
