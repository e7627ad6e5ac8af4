"""Indexes for the public portal's search (docs/benchmarks.md, `spilno bench portal`).

- The CPV indexes use the pattern operator class, so ``cpv LIKE '3512%'`` (``cpv__startswith``)
  is served by them in any collation, not only in "C" (other databases ignore operator classes).
- PostgreSQL only: trigram GIN indexes (pg_trgm) on ``UPPER(title)`` of processes and contracts
  and ``UPPER(ocid)`` of processes, the expression Django's ``icontains`` compares; a statistics
  target of 1,000 on ``value`` (the tail of the value range is estimated from a finer
  histogram); and ANALYZE of both tables, so the planner knows the new indexes and statistics.

``CREATE EXTENSION pg_trgm`` needs a role allowed to create it (pg_trgm is a trusted extension:
the database's owner may). Each index here is built with a plain CREATE INDEX, which blocks
writes to its table while it is built (about 10 s for a million contracts).
"""

from django.db import migrations, models

# (model, index name, column) of the trigram indexes.
TRIGRAM = [
    ("publicprocess", "pubproc_title_trgm", "title"),
    ("publicprocess", "pubproc_ocid_trgm", "ocid"),
    ("publiccontract", "pubcontract_title_trgm", "title"),
]
FINE_STATISTICS = 1000


def _tables(apps):
    return [
        apps.get_model("transparency", name)._meta.db_table
        for name in ("publicprocess", "publiccontract")
    ]


def search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model, name, column in TRIGRAM:
        table = apps.get_model("transparency", model)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX {quote(name)} ON {quote(table)} "
            f"USING gin (UPPER({quote(column)}) gin_trgm_ops)"
        )
    for table in _tables(apps):
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ALTER COLUMN {quote('value')} "
            f"SET STATISTICS {FINE_STATISTICS}"
        )
        schema_editor.execute(f"ANALYZE {quote(table)}")


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for _model, name, _column in TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    for table in _tables(apps):
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ALTER COLUMN {quote('value')} SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [("transparency", "0002_default_policy")]

    operations = [
        migrations.RemoveIndex(model_name="publiccontract", name="pubcontract_cpv"),
        migrations.RemoveIndex(model_name="publicprocess", name="pubproc_cpv"),
        migrations.AddIndex(
            model_name="publiccontract",
            index=models.Index(
                fields=["cpv", "signed", "id"],
                name="pubcontract_cpv",
                opclasses=["varchar_pattern_ops", "date_ops", "int8_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="publicprocess",
            index=models.Index(
                fields=["cpv"], name="pubproc_cpv", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.RunPython(search_indexes, drop_search_indexes, elidable=False),
    ]
