"""Units of work: one service command is one transaction, with a hook at its end.

Services wrap their writes in :func:`unit_of_work` instead of a bare ``transaction.atomic``.
Every audit entry notes the object it records (:func:`note_change`); when the outermost unit
finishes without error, :data:`command_finished` is sent with those objects, *still inside the
transaction*. Upper layers (transparency) subscribe to it and write what follows from the change
(an OCDS release in the outbox) in the same transaction, without the lower layers importing them.

Nested units (a service calling another) send once, at the end of the outermost one, so a
command produces one consistent picture, never its intermediate states.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.dispatch import Signal

#: Sent with ``changes``: a tuple of ``(object_type, object_id)`` in the order first noted.
command_finished = Signal()


class _State(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.changes: dict[tuple[str, str], None] = {}


_state = _State()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """A transaction that tells subscribers what it changed just before it commits."""
    with transaction.atomic():
        outermost = _state.depth == 0
        _state.depth += 1
        try:
            yield
            if outermost and _state.changes:
                changes = tuple(_state.changes)
                _state.changes.clear()
                command_finished.send(sender=unit_of_work, changes=changes)
        finally:
            _state.depth -= 1
            if outermost:
                _state.changes.clear()


def note_change(object_type: str, object_id: str) -> None:
    """Remember a changed object for the running unit of work (ignored outside one)."""
    if _state.depth:
        _state.changes[(object_type, object_id)] = None
