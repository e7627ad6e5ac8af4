"""NATO security markings map onto Spilno's ordered classification levels."""

from __future__ import annotations

import pytest

from spilno.kernel.classification import (
    LEVEL_TO_NATO,
    Level,
    UnsupportedMarking,
    level_from_nato,
)


def test_levels_are_ordered_from_public_to_secret() -> None:
    assert list(Level) == sorted(Level)
    assert Level.PUBLIC < Level.INTERNAL < Level.RESTRICTED < Level.CONFIDENTIAL < Level.SECRET


@pytest.mark.parametrize(
    ("marking", "level"),
    [
        ("NATO UNCLASSIFIED", Level.INTERNAL),  # releasable for official purposes only
        ("NATO RESTRICTED", Level.RESTRICTED),
        ("NATO CONFIDENTIAL", Level.CONFIDENTIAL),
        ("NATO SECRET", Level.SECRET),
        ("PUBLIC RELEASABLE", Level.PUBLIC),
        ("NU", Level.INTERNAL),
        ("NR", Level.RESTRICTED),
        ("NC", Level.CONFIDENTIAL),
        ("NS", Level.SECRET),
        ("nato secret", Level.SECRET),
        ("  Nato   Restricted ", Level.RESTRICTED),
        ("nr", Level.RESTRICTED),
    ],
)
def test_nato_markings_map_to_levels(marking: str, level: Level) -> None:
    assert level_from_nato(marking) == level


@pytest.mark.parametrize("marking", ["COSMIC TOP SECRET", "cosmic top secret", "CTS", " cts "])
def test_cosmic_top_secret_is_refused_not_downgraded(marking: str) -> None:
    with pytest.raises(UnsupportedMarking, match="COSMIC TOP SECRET"):
        level_from_nato(marking)


@pytest.mark.parametrize("marking", ["TOP SECRET", "SECRET", "NATO", "", "NX", "NATO SECRET!"])
def test_unknown_markings_are_refused(marking: str) -> None:
    with pytest.raises(UnsupportedMarking, match="Unknown NATO marking"):
        level_from_nato(marking)


def test_unsupported_marking_is_a_value_error() -> None:
    assert issubclass(UnsupportedMarking, ValueError)


@pytest.mark.parametrize("level", list(Level))
def test_every_level_round_trips_through_its_nato_marking(level: Level) -> None:
    assert level_from_nato(LEVEL_TO_NATO[level]) == level
