"""The steps that rebuild the lake's derived zones and the warehouse run one at a time."""

from __future__ import annotations

import fcntl

import pytest
from tests.helpers import glucolake, home_environment

STEPS = [
    ("transform", "--stage", "intermediate"),
    ("validate",),
    ("transform", "--stage", "curated"),
    ("publish",),
    ("report",),
]


@pytest.mark.parametrize("step", STEPS, ids=" ".join)
def test_a_step_next_to_another_on_the_same_lake_refuses_at_once(tmp_path, step):
    lake = tmp_path / "elsewhere" / "lake"  # the lock lives with the lake, not the home
    env = home_environment(tmp_path / "home", GLUCOLAKE_LAKE=str(lake))
    lock = lake / "state" / "steps.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = glucolake(*step, env=env, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"glucolake: error: {step[0]}: another glucolake transform, validate, publish or report "
        f"is using the lake {lake}; wait for it to finish"
    )
    assert sorted(p.name for p in lake.rglob("*")) == ["state", "steps.lock"], "nothing ran"
