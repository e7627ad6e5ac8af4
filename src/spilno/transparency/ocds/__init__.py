"""OCDS tooling that needs no database: the vendored standard, streaming readers, the record
compiler (merge rules), validation and import into the analytics store.

Nothing here imports Django models, so ``spilno ocds compile`` and ``validate`` also run on data
that never touched Spilno's tables.
"""
