"""The server clock every deadline is judged by, with an accelerated mode for demos and training.

``SPILNO_CLOCK_SPEED`` (default 1) makes the business clock run faster than real time from
``SPILNO_CLOCK_EPOCH`` (an ISO date-time; when unset in accelerated mode, the first start is
written to ``<data dir>/clock-epoch`` so every process agrees). At speed 1440 a day passes in a
minute, so a whole tender with a week of enquiries runs in a quarter of an hour.

Services read the time only through :func:`now` so that the chronograph, bid deadlines and
tests all agree on one clock. The audit log keeps real server time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

_override: ContextVar[dt.datetime | None] = ContextVar("spilno_clock_override", default=None)


@contextlib.contextmanager
def travel(moment: dt.datetime) -> Iterator[None]:
    """Run a block at a fixed business time: the demo builds a past and a future with it."""
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)


def speed() -> float:
    return float(getattr(settings, "SPILNO_CLOCK_SPEED", 1) or 1)


@lru_cache(maxsize=8)
def _epoch_from_file(path: Path) -> dt.datetime:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(timezone.now().isoformat())
    return dt.datetime.fromisoformat(path.read_text().strip())


def epoch() -> dt.datetime:
    value = getattr(settings, "SPILNO_CLOCK_EPOCH", None)
    if isinstance(value, dt.datetime):
        return value
    if value:
        return dt.datetime.fromisoformat(str(value))
    return _epoch_from_file(Path(settings.DATA_DIR) / "clock-epoch")


def now() -> dt.datetime:
    """Business time: real UTC time, or accelerated time when ``SPILNO_CLOCK_SPEED`` > 1."""
    fixed = _override.get()
    if fixed is not None:
        return fixed
    real = timezone.now()
    factor = speed()
    if factor == 1:
        return real
    start = epoch()
    return start + (real - start) * factor


def today() -> dt.date:
    return timezone.localdate(now())
