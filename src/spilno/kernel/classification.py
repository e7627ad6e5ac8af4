"""Classification levels and how NATO security markings map onto them (DESIGN §4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """Ordered: a user sees a record only with a clearance at or above its level."""

    PUBLIC = 0, _("Public")
    INTERNAL = 1, _("Internal")
    RESTRICTED = 2, _("Restricted")
    CONFIDENTIAL = 3, _("Confidential")
    SECRET = 4, _("Secret")

    @property
    def css(self) -> str:
        return f"level-{self.name.lower()}"


class UnsupportedMarking(ValueError):
    """A marking Spilno may not hold (or does not know)."""


# NATO security classifications (C-M(2002)49) and the Spilno level each is stored at.
# NATO UNCLASSIFIED is not public: it is releasable only for official purposes, so INTERNAL.
NATO_MARKINGS: dict[str, Level] = {
    "NATO UNCLASSIFIED": Level.INTERNAL,
    "NATO RESTRICTED": Level.RESTRICTED,
    "NATO CONFIDENTIAL": Level.CONFIDENTIAL,
    "NATO SECRET": Level.SECRET,
}
NATO_ABBREVIATIONS: dict[str, str] = {
    "NU": "NATO UNCLASSIFIED",
    "NR": "NATO RESTRICTED",
    "NC": "NATO CONFIDENTIAL",
    "NS": "NATO SECRET",
    "CTS": "COSMIC TOP SECRET",
}
# What each level is marked as when shared with NATO (reverse mapping, for exports).
LEVEL_TO_NATO: dict[Level, str] = {
    Level.PUBLIC: "PUBLIC RELEASABLE",
    Level.INTERNAL: "NATO UNCLASSIFIED",
    Level.RESTRICTED: "NATO RESTRICTED",
    Level.CONFIDENTIAL: "NATO CONFIDENTIAL",
    Level.SECRET: "NATO SECRET",
}


def level_from_nato(marking: str) -> Level:
    """Map a NATO marking (full or abbreviated, any case) to a Spilno level.

    COSMIC TOP SECRET is refused on purpose: Spilno is not an accredited system for it, so such
    material must never be entered here, not even under a lower label.
    """
    key = " ".join(marking.strip().upper().split())
    key = NATO_ABBREVIATIONS.get(key, key)
    if key == "PUBLIC RELEASABLE":
        return Level.PUBLIC
    if key == "COSMIC TOP SECRET":
        raise UnsupportedMarking("COSMIC TOP SECRET material must not be stored in Spilno.")
    try:
        return NATO_MARKINGS[key]
    except KeyError:
        raise UnsupportedMarking(f"Unknown NATO marking: {marking!r}.") from None
