"""What the fork server warms is there for the tasks it forks."""

from __future__ import annotations

import importlib
import inspect
import os

from glucolake.run.warm import module_files


def test_module_files_maps_the_modules_imported_so_far(tmp_path, monkeypatch):
    (tmp_path / "freshly_imported.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("freshly_imported")
    path = os.path.realpath(inspect.getabsfile(module))
    assert path not in inspect.modulesbyfile

    module_files()

    assert inspect.modulesbyfile[path] == "freshly_imported"
