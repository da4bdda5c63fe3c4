from __future__ import annotations

from glucolake.nightscout.retry import RetryPolicy, retry_after_seconds


def test_backoff_is_bounded_and_jittered():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    for attempt in range(1, 12):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(0 <= d <= min(4.0, 0.5 * 2 ** (attempt - 1)) for d in delays)
        assert len(delays) > 1, "jitter spreads retries"


def test_retry_after_is_a_floor_but_capped():
    policy = RetryPolicy(max_delay=10.0)
    assert policy.delay(1, retry_after=3) >= 3
    assert policy.delay(1, retry_after=3600) == 10.0


def test_retry_after_header_forms():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
