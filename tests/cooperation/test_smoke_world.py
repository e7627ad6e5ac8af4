from spilno.cooperation import selectors


def test_world_builds_and_only_parties_see_it(world):
    assert selectors.programmes_for(world.reform).count() == 1
    assert selectors.programmes_for(world.us_liaison).count() == 1
    assert selectors.programmes_for(world.fr_liaison).count() == 0
    assert selectors.programmes_for(world.auditor).count() == 1
