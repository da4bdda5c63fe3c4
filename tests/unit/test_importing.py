"""import_uncollected: a step's large imports without the cyclic collector, once per process."""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

import pytest

from glucolake.importing import import_uncollected

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for throwaway modules; the collector left as it was found."""
    monkeypatch.syspath_prepend(str(tmp_path))
    enabled = gc.isenabled()
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("uncollected_")]:
        del sys.modules[name]
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_a_new_module_is_imported_with_the_collector_paused_then_frozen(modules: Path) -> None:
    # The module records whether the collector ran while it was imported.
    (modules / "uncollected_probe.py").write_text(
        "import gc\nCOLLECTING = gc.isenabled()\nCYCLE = []\nCYCLE.append(CYCLE)\n"
    )
    frozen = gc.get_freeze_count()

    import_uncollected("uncollected_probe")

    probe = sys.modules["uncollected_probe"]
    assert probe.COLLECTING is False
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen
    # Frozen: out of every generation the collector walks.
    assert all(obj is not probe.CYCLE for obj in gc.get_objects())


def test_modules_already_imported_freeze_nothing(modules: Path) -> None:
    (modules / "uncollected_once.py").write_text("")
    import_uncollected("uncollected_once")
    gc.unfreeze()

    import_uncollected("uncollected_once", "json")

    assert gc.get_freeze_count() == 0


def test_a_failed_import_still_gives_the_collector_back(modules: Path) -> None:
    (modules / "uncollected_broken.py").write_text("raise ImportError('broken on purpose')\n")

    with pytest.raises(ImportError, match="broken on purpose"):
        import_uncollected("uncollected_broken")

    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused_and_nothing_is_frozen(
    modules: Path,
) -> None:
    (modules / "uncollected_paused.py").write_text("")
    gc.unfreeze()
    gc.disable()

    import_uncollected("uncollected_paused")

    assert "uncollected_paused" in sys.modules
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
