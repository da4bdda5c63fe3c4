"""The cached cohort's sites keep one address from one `make bench` to the next."""

from __future__ import annotations

import socket

from benchmarks.scale_sites import cohort_port


def test_the_cohort_is_served_on_the_port_of_the_last_run_while_it_is_free(tmp_path):
    first = cohort_port(tmp_path)
    assert cohort_port(tmp_path) == first
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first))
        other = cohort_port(tmp_path)
    assert other != first
    assert cohort_port(tmp_path) == other  # the new port is the one remembered
