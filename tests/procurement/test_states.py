"""The transition tables and the method configuration (pure: no database)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spilno.procurement.states import (
    AWARD_TRANSITIONS,
    BID_TRANSITIONS,
    COMPLAINT_HOLDS,
    COMPLAINT_TRANSITIONS,
    CONTRACT_TRANSITIONS,
    DELIVERY_TRANSITIONS,
    METHODS,
    TENDER_FINAL,
    TENDER_STAGES,
    TENDER_TRANSITIONS,
    AwardStatus,
    BidStatus,
    ComplaintStatus,
    ContractStatus,
    DeliveryStatus,
    IllegalTransition,
    Method,
    TenderStatus,
    check_award_move,
    check_bid_move,
    check_complaint_move,
    check_contract_move,
    check_delivery_move,
    check_tender_move,
)

Table = dict[str, frozenset[str]]
LIFECYCLES: dict[str, tuple[Table, Callable[[str, str], None], type]] = {
    "tender": (TENDER_TRANSITIONS, check_tender_move, TenderStatus),
    "bid": (BID_TRANSITIONS, check_bid_move, BidStatus),
    "award": (AWARD_TRANSITIONS, check_award_move, AwardStatus),
    "complaint": (COMPLAINT_TRANSITIONS, check_complaint_move, ComplaintStatus),
    "contract": (CONTRACT_TRANSITIONS, check_contract_move, ContractStatus),
    "delivery": (DELIVERY_TRANSITIONS, check_delivery_move, DeliveryStatus),
}
names = st.sampled_from(sorted(LIFECYCLES))


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_table_covers_exactly_the_status_choices(name: str) -> None:
    table, _check, choices = LIFECYCLES[name]
    assert set(table) == set(choices.values)
    for current, targets in table.items():
        assert targets <= set(table), f"{current} leads to an unknown status"


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_every_pair_in_the_table_is_allowed_and_every_other_refused(name: str) -> None:
    table, check, _choices = LIFECYCLES[name]
    for current in table:
        for target in table:
            if target in table[current]:
                check(current, target)
            else:
                with pytest.raises(IllegalTransition, match=f"cannot move from {current}"):
                    check(current, target)


@given(name=names, data=st.data())
def test_random_pairs_follow_the_table(name: str, data: st.DataObject) -> None:
    table, check, _choices = LIFECYCLES[name]
    statuses = sorted(table)
    current = data.draw(st.sampled_from(statuses))
    target = data.draw(st.sampled_from(statuses))
    if target in table[current]:
        check(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check(current, target)


@given(name=names, data=st.data(), target=st.text(max_size=30))
def test_unknown_targets_are_refused(name: str, data: st.DataObject, target: str) -> None:
    table, check, _choices = LIFECYCLES[name]
    current = data.draw(st.sampled_from(sorted(table)))
    if target in table:
        return
    with pytest.raises(IllegalTransition, match="Unknown"):
        check(current, target)


def _final(table: Table) -> set[str]:
    return {status for status, targets in table.items() if not targets}


def test_final_states_have_no_exits() -> None:
    assert _final(TENDER_TRANSITIONS) == set(TENDER_FINAL)
    assert _final(BID_TRANSITIONS) == {BidStatus.NOT_AWARDED}
    assert _final(AWARD_TRANSITIONS) == {AwardStatus.CANCELLED}
    assert _final(COMPLAINT_TRANSITIONS) == {ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED}
    assert _final(CONTRACT_TRANSITIONS) == {ContractStatus.TERMINATED, ContractStatus.COMPLETE}
    assert _final(DELIVERY_TRANSITIONS) == {DeliveryStatus.ACCEPTED, DeliveryStatus.REJECTED}
    for name, (table, check, _choices) in LIFECYCLES.items():
        for final in _final(table):
            for target in table:
                with pytest.raises(IllegalTransition):
                    check(final, target)
            assert final not in table[final], name


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_every_status_is_reachable_from_the_first(name: str) -> None:
    table, _check, choices = LIFECYCLES[name]
    start = choices.values[0]
    seen, frontier = {start}, [start]
    while frontier:
        for target in table[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(table)


def test_tender_lifecycle_matches_the_design() -> None:
    t = TenderStatus
    happy = [t.DRAFT, t.PLANNED, t.ENQUIRIES, t.TENDERING, t.EVALUATION, t.AWARDED, t.COMPLETE]
    for current, target in zip(happy, happy[1:], strict=False):
        check_tender_move(current, target)
    assert tuple(happy[:-1]) == TENDER_STAGES
    # Nothing goes back to draft, nothing skips tendering into awarded, and a complete tender
    # cannot be reopened; an upheld complaint is the only way back (awarded -> evaluation).
    backwards = {
        (a, b)
        for a, targets in TENDER_TRANSITIONS.items()
        for b in targets
        if b in TENDER_STAGES
        and a in TENDER_STAGES
        and TENDER_STAGES.index(b) < TENDER_STAGES.index(a)
    }
    assert backwards == {(t.AWARDED, t.EVALUATION)}
    for final in TENDER_FINAL:
        assert final not in TENDER_STAGES
    # Cancelling is possible from every non-final state.
    for status in set(TENDER_TRANSITIONS) - TENDER_FINAL:
        check_tender_move(status, t.CANCELLED)
    with pytest.raises(IllegalTransition):
        check_tender_move(t.DRAFT, t.UNSUCCESSFUL)


def test_sealed_bid_rules() -> None:
    b = BidStatus
    # A bid may be replaced (submitted again) and withdrawn and resubmitted until opening.
    check_bid_move(b.SUBMITTED, b.SUBMITTED)
    check_bid_move(b.SUBMITTED, b.WITHDRAWN)
    check_bid_move(b.WITHDRAWN, b.SUBMITTED)
    # A withdrawn bid is never opened; an opened bid is never withdrawn.
    with pytest.raises(IllegalTransition):
        check_bid_move(b.WITHDRAWN, b.OPENED)
    with pytest.raises(IllegalTransition):
        check_bid_move(b.OPENED, b.WITHDRAWN)
    # Only a qualified bid is awarded.
    for status in set(BID_TRANSITIONS) - {b.QUALIFIED}:
        if b.AWARDED in BID_TRANSITIONS[status]:
            pytest.fail(f"{status} -> awarded")


def test_complaints_hold_only_while_undecided() -> None:
    assert {ComplaintStatus.SUBMITTED, ComplaintStatus.ACCEPTED} == COMPLAINT_HOLDS
    assert not COMPLAINT_HOLDS & _final(COMPLAINT_TRANSITIONS)
    with pytest.raises(IllegalTransition):
        check_complaint_move(ComplaintStatus.SUBMITTED, ComplaintStatus.UPHELD)


def test_deliveries_are_judged_only_after_receipt() -> None:
    d = DeliveryStatus
    for status in (d.SCHEDULED, d.SHIPPED):
        for verdict in (d.ACCEPTED, d.REJECTED):
            with pytest.raises(IllegalTransition):
                check_delivery_move(status, verdict)


# --- methods as configuration -----------------------------------------------------------------
def test_every_method_is_configured() -> None:
    assert set(METHODS) == set(Method.values)


@pytest.mark.parametrize("method", sorted(Method.values))
def test_method_rules_are_consistent(method: str) -> None:
    rules = METHODS[method]
    if rules.bidding:
        assert rules.min_enquiry_days > 0
        assert rules.min_tender_days > 0
        assert not rules.justification, "competition needs no justification"
        assert not rules.agreement
    else:
        assert rules.justification, "a single source needs a written justification"
        assert (rules.min_enquiry_days, rules.min_tender_days) == (0, 0)
        assert not rules.register_only
        assert not rules.multiple_awards
    if rules.register_only or rules.multiple_awards:
        assert rules.bidding
    if rules.agreement:
        assert not rules.bidding
    assert rules.standstill_days >= 0
    assert rules.ocds_method in {"open", "selective", "limited", "direct"}


def test_method_details() -> None:
    assert METHODS[Method.SELECTIVE].register_only
    assert METHODS[Method.SELECTIVE].ocds_method == "selective"
    assert [m for m, r in METHODS.items() if r.multiple_awards] == [Method.FRAMEWORK]
    assert [m for m, r in METHODS.items() if r.agreement] == [Method.G2G]
    assert METHODS[Method.NEGOTIATED].ocds_method == "limited"
    assert METHODS[Method.FRAMEWORK].min_tender_days >= METHODS[Method.OPEN].min_tender_days
    # Competitive methods and the negotiated method give losers a standstill to complain.
    for method in (Method.OPEN, Method.SELECTIVE, Method.FRAMEWORK, Method.NEGOTIATED):
        assert METHODS[method].standstill_days > 0
