"""The disclosure vocabulary: which fields a rule may withhold, the default policy, and how a
withheld field is described to the public (OCDS ``withheldInformation``, as in OCDS 1.2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from spilno.kernel.classification import Level
from spilno.transparency.models import DisclosureEvent, DisclosureMode, DisclosureRule, Process


@dataclass(frozen=True)
class Withholdable:
    """A field a rule may withhold: its name and the OCDS paths it covers."""

    name: Any
    paths: tuple[str, ...]


WITHHOLDABLE: dict[str, Withholdable] = {
    "items.description": Withholdable(
        _("Item descriptions"),
        ("tender/items/description", "awards/items/description", "contracts/items/description"),
    ),
    "items.quantity": Withholdable(
        _("Item quantities and units"),
        (
            "tender/items/quantity",
            "tender/items/unit",
            "awards/items/quantity",
            "awards/items/unit",
            "contracts/items/quantity",
            "contracts/items/unit",
        ),
    ),
    "items.deliveryAddress": Withholdable(
        _("Delivery places"),
        (
            "tender/items/deliveryAddress",
            "contracts/items/deliveryAddress",
            "contracts/implementation/milestones/description",
        ),
    ),
    "values": Withholdable(
        _("Award and contract values"),
        ("awards/value", "contracts/value", "contracts/amendments/description"),
    ),
    "suppliers": Withholdable(
        _("Supplier identities"),
        ("awards/suppliers", "tender/tenderers", "parties/supplier", "parties/tenderer"),
    ),
    "documents": Withholdable(
        _("Tender documents"),
        ("tender/documents",),
    ),
}


@dataclass(frozen=True)
class DefaultRule:
    mode: str
    delay_days: int = 0
    delay_event: str = ""
    withheld_fields: tuple[str, ...] = ()
    withhold_days: int = 365
    withhold_event: str = ""
    reason_en: str = ""
    reason_uk: str = ""


DEFAULT_POLICY: dict[int, DefaultRule] = {
    Level.PUBLIC: DefaultRule(DisclosureMode.PUBLISH),
    Level.INTERNAL: DefaultRule(
        DisclosureMode.DELAY,
        delay_event=DisclosureEvent.CONTRACT_SIGNED,
        reason_en="Internal procurement is published once its contract is signed.",
        reason_uk="Внутрішні закупівлі оприлюднюються після підписання договору.",
    ),
    Level.RESTRICTED: DefaultRule(
        DisclosureMode.DELAY,
        delay_days=30,
        delay_event=DisclosureEvent.AWARD,
        withheld_fields=("items.quantity", "items.deliveryAddress", "documents"),
        withhold_days=365,
        withhold_event=DisclosureEvent.CONTRACT_COMPLETE,
        reason_en="Restricted: quantities, delivery places and documents would reveal "
        "operational needs; published a year after the contract is complete.",
        reason_uk="Обмежений доступ: кількості, місця поставки та документи розкривають "
        "оперативні потреби; оприлюднюються через рік після виконання договору.",
    ),
    Level.CONFIDENTIAL: DefaultRule(
        DisclosureMode.AGGREGATE,
        reason_en="Confidential procurement is published only in aggregate.",
        reason_uk="Конфіденційні закупівлі оприлюднюються лише узагальнено.",
    ),
    Level.SECRET: DefaultRule(
        DisclosureMode.AGGREGATE,
        reason_en="Secret procurement is published only in aggregate.",
        reason_uk="Таємні закупівлі оприлюднюються лише узагальнено.",
    ),
}


def rule_for(level: int) -> DisclosureRule:
    """The rule of a level; a level without a rule falls back to the strictest (aggregates)."""
    rule = DisclosureRule.objects.filter(level=level).first()
    if rule is None:
        return DisclosureRule(
            level=level, mode=DisclosureMode.AGGREGATE, updated_at=dt.datetime.min
        )
    return rule


def event_time(process: Process, event: str) -> dt.datetime | None:
    """When the process reached ``event`` (None: not yet)."""
    moments: dict[str, dt.datetime | None] = {
        DisclosureEvent.AWARD: process.awarded_at,
        DisclosureEvent.CONTRACT_SIGNED: process.signed_at,
        DisclosureEvent.CONTRACT_COMPLETE: process.completed_at,
    }
    return moments.get(event)


def describe_wait(days: int, event: str) -> str:
    """ "30 days after the award", for the public."""
    label = str(DisclosureEvent(event).label).lower() if event else str(_("publication"))
    return str(_("%(days)s days after %(event)s") % {"days": days, "event": label})
