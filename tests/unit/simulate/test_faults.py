"""Fault scheduling: deterministic per key and attempt, never more than the cap in a row."""

import threading

import pytest

from glucolake.simulate import FAULT_KINDS
from glucolake.simulate.faults import FaultPlan, request_key

KEYS = [f"patient-001 entries?find%5Bdate%5D%5B%24gte%5D={i}" for i in range(300)]


def run(plan, key, attempts):
    return [plan.decide(key) for _ in range(attempts)]


@pytest.mark.parametrize("cap", [0, 1, 2, 3])
def test_never_more_than_the_cap_in_a_row(cap):
    plan = FaultPlan(seed=5, rate=0.9, kinds=FAULT_KINDS, max_consecutive=cap)
    for key in KEYS[:50]:
        run_length = 0
        for fault in run(plan, key, 40):
            run_length = run_length + 1 if fault else 0
            assert run_length <= cap


def test_a_client_with_cap_plus_one_attempts_always_gets_through():
    plan = FaultPlan(seed=5, rate=1.0, kinds=FAULT_KINDS, max_consecutive=2)
    for key in KEYS:
        assert run(plan, key, 3)[-1] is None


def test_same_seed_same_schedule_whatever_the_threads():
    sequential = FaultPlan(seed=9, rate=0.3, kinds=FAULT_KINDS)
    expected = {key: run(sequential, key, 6) for key in KEYS}

    threaded = FaultPlan(seed=9, rate=0.3, kinds=FAULT_KINDS)
    results = {}

    def worker(keys):
        for key in keys:
            results[key] = run(threaded, key, 6)

    threads = [threading.Thread(target=worker, args=(KEYS[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_rate_and_kinds():
    plan = FaultPlan(seed=1, rate=0.2, kinds=("http_500", "slow"), max_consecutive=100)
    faults = [plan.decide(key) for key in KEYS for _ in range(5)]
    share = sum(f is not None for f in faults) / len(faults)
    assert 0.15 < share < 0.25
    assert {f for f in faults if f} == {"http_500", "slow"}
    assert not any(FaultPlan(seed=1, rate=0.0, kinds=FAULT_KINDS).decide(k) for k in KEYS)


def test_another_seed_another_schedule():
    a = [FaultPlan(seed=1, rate=0.5, kinds=FAULT_KINDS).decide(k) for k in KEYS]
    b = [FaultPlan(seed=2, rate=0.5, kinds=FAULT_KINDS).decide(k) for k in KEYS]
    assert a != b


def test_the_key_ignores_credentials_and_parameter_order():
    a = request_key("patient-001", "entries", "count=10&token=glucolake-abc&find[date][$gte]=1")
    b = request_key("patient-001", "entries", "find[date][$gte]=1&count=10&secret=abcdef")
    assert a == b
    assert "token" not in a
    assert request_key("patient-002", "entries", "count=10") != request_key(
        "patient-001", "entries", "count=10"
    )


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultPlan(seed=1, rate=0.1, kinds=("meteor",))
