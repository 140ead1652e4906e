"""The scan compares every level only of the pairs that may be kept (duck.compare): it must keep exactly the
pairs, weights and levels that comparing every level of every blocked pair keeps, and learn the same model."""

import pytest

from bench.identity_accuracy import profiles_of
from bench.identity_generator import generate
from customers.identity import duck
from customers.identity.compare import BY_NAME
from customers.identity.model import KEEP_THRESHOLD, MATCH_THRESHOLD, SESSIONS, MatchParameters


@pytest.fixture(scope="module")
def profiles():
    return profiles_of(generate(3000, seed=11))


def _blocked(profiles):
    con = duck.connect(1)
    duck.load_rows(con, profiles)
    duck.block(con)
    return con


@pytest.mark.parametrize("min_probability", [KEEP_THRESHOLD, MATCH_THRESHOLD])
def test_comparing_only_the_pairs_that_may_be_kept_keeps_the_same_pairs(profiles, min_probability):
    everything = _blocked(profiles)
    duck.materialise_levels(everything)
    expected = duck.scored(everything, MatchParameters.defaults(), min_probability)

    pruned = _blocked(profiles)
    params = duck.compare(pruned, MatchParameters.defaults(), min_probability=min_probability)
    got = duck.scored(pruned, params, min_probability)

    assert len(expected) > 100  # the generator's duplicates are found at all
    assert got == expected
    compared = pruned.execute("SELECT count(*) FROM pair_levels").fetchone()[0]
    blocked = pruned.execute("SELECT count(*) FROM pairs").fetchone()[0]
    assert compared < blocked  # and some blocked pairs' costly levels were never computed


def test_learning_from_the_sessions_pairs_alone_learns_the_same_model(profiles):
    everything = _blocked(profiles)
    duck.materialise_levels(everything)
    expected = duck.train(everything, MatchParameters.defaults())

    pruned = _blocked(profiles)
    learned = duck.compare(pruned, MatchParameters.defaults(), learn=True)

    assert learned.prior == pytest.approx(expected.prior)
    for comparison, levels in expected.m.items():
        assert learned.m[comparison] == pytest.approx(levels)
    assert learned.trained_on["pairs"] == expected.trained_on["pairs"]
    got, kept = duck.scored(pruned, learned), duck.scored(everything, expected)
    assert [(r[:4], r[5:]) for r in got] == [(r[:4], r[5:]) for r in kept]  # EM sums in another order:
    assert [r[4] for r in got] == pytest.approx([r[4] for r in kept])  # the weights agree to rounding


def test_the_training_sessions_test_only_levels_the_first_pass_settles():
    # compare() computes the sessions' pairs from their first-pass levels: a session testing a deferred level
    # (an e-mail typo, say) would silently train on none of its pairs.
    for rule in SESSIONS:
        for comparison, allowed in rule.items():
            if comparison in duck.DEFERRED:
                settled = {x.name for x in BY_NAME[comparison].levels[:duck.DEFERRED[comparison]]}
                assert set(allowed) <= settled, (rule, comparison)
