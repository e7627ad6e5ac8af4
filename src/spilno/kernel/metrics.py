"""Figures one app computes and another reads, without importing each other (ADR 0009).

``cooperation`` computes indicators from the capabilities ledger and from procurement data, but
procurement and cooperation sit side by side in the layers (DESIGN §3): neither may import the
other. So each app that can answer a question registers a function here when it is ready, and
cooperation asks by name. The same goes for *activity feeds*: what was delivered or trained
under an agreement in a period, which the consultation brief lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class UnknownMetric(LookupError):
    """No app registered a metric under this name (the app may not be installed)."""


@dataclass(frozen=True)
class MetricParam:
    """One parameter a metric takes, e.g. a CPV prefix; ``choices`` limits its values."""

    name: str
    label: str
    help: str = ""
    required: bool = False


@dataclass(frozen=True)
class Metric:
    """A figure computed from the system of record as of a date.

    ``compute(as_of=…, **params)`` returns the value, or ``None`` when there is nothing to
    measure yet (no deliveries due, no contracts signed): a missing figure, never a zero."""

    key: str
    label: str
    unit: str
    description: str
    compute: Callable[..., Decimal | None]
    params: tuple[MetricParam, ...] = ()

    def check_params(self, params: dict[str, Any]) -> dict[str, str]:
        """Field errors for ``params`` (unknown names, missing required ones)."""
        known = {p.name for p in self.params}
        errors = {
            name: "This metric takes no such parameter." for name in params if name not in known
        }
        for p in self.params:
            if p.required and not str(params.get(p.name, "")).strip():
                errors[p.name] = "This parameter is required."
        return errors


@dataclass(frozen=True)
class Activity:
    """Something delivered, trained or advised under an agreement, for the brief."""

    kind: str  # "delivery", "training", "advice"
    date: dt.date
    title: str
    quantity: Decimal | None = None
    unit: str = ""
    reference: str = ""
    url: str = ""
    agreement_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ActivityFeed = Callable[..., Iterable[Activity]]

_metrics: dict[str, Metric] = {}
_feeds: dict[str, ActivityFeed] = {}


def register_metric(metric: Metric) -> None:
    """Called from an app's ``AppConfig.ready``; registering twice replaces (tests reload)."""
    _metrics[metric.key] = metric


def metric(key: str) -> Metric:
    try:
        return _metrics[key]
    except KeyError:
        raise UnknownMetric(key) from None


def metrics() -> list[Metric]:
    return sorted(_metrics.values(), key=lambda m: m.key)


def register_activity_feed(name: str, feed: ActivityFeed) -> None:
    """``feed(user=…, agreement_ids=…, start=…, end=…)`` yields :class:`Activity` rows the user
    may see, completed in ``[start, end]`` under any of the agreements."""
    _feeds[name] = feed


def activities(
    *, user: Any, agreement_ids: Iterable[int], start: dt.date, end: dt.date
) -> list[Activity]:
    ids = list(agreement_ids)
    rows: list[Activity] = []
    for name in sorted(_feeds):
        rows.extend(_feeds[name](user=user, agreement_ids=ids, start=start, end=end))
    return sorted(rows, key=lambda a: (a.date, a.kind, a.title))


def activity_feeds() -> list[str]:
    return sorted(_feeds)
