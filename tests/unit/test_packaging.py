from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files

import glucolake


def test_version_is_the_installed_metadata():
    assert glucolake.__version__ == version("glucolake")


def test_package_ships_type_information():
    assert files("glucolake").joinpath("py.typed").is_file()
