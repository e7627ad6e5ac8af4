"""Writes to the audit log: recording entries and signing checkpoints."""

from spilno.audit.services.record import record, snapshot

__all__ = ["record", "snapshot"]
