"""Work every dbt process does the same way, done once by the fork server instead.

dbt's manifest and artifact classes are mashumaro dataclasses compiled lazily: the first time a
process reads the kept parse (``from_msgpack``), writes it back (``to_msgpack``) and writes
``manifest.json``, mashumaro generates and compiles their (de)serialisers; and dbt builds the
JSON schemas it checks ``dbt_project.yml`` and ``profiles.yml`` against: the same 0.5 s
in every dbt step of a ``glucolake run``. Done in the server after dbt's import, each forked task
finds the compiled code on the classes: forked from a warm server, the curated transform took
1.70 s instead of 2.29, publish 1.50 instead of 2.02 (1 source × 7 days, medians of 8 and 6).
A task forked before then does the work itself, as a task without the server does.
"""

from __future__ import annotations

import gc
import inspect
import os
import sys
from argparse import Namespace

from glucolake.settings import Settings

__all__ = ["dbt_serialisers", "module_files"]


def dbt_serialisers() -> None:
    """Compile dbt's (de)serialisers and project schemas, reading this home's last dbt parse.

    A home without one (a first run) warms the schemas only. Nothing here starts a thread.
    """
    from dbt.contracts.graph.manifest import Manifest  # noqa: PLC0415 - dbt's import is seconds
    from dbt.contracts.project import (  # noqa: PLC0415
        Configuration,
        PackageConfig,
        ProfileConfig,
        Project,
        ProjectFlags,
    )
    from dbt.contracts.selection import SelectorFile  # noqa: PLC0415
    from dbt.flags import get_flags, set_flags  # noqa: PLC0415
    from dbt.parser.manifest import (  # noqa: PLC0415
        extended_mashumaro_encoder,
        extended_mashumuro_decoder,
    )

    contracts = (ProjectFlags, ProfileConfig, Project, PackageConfig, SelectorFile, Configuration)
    for contract in contracts:
        contract.json_schema()
    settings = Settings.load(os.environ, require_sources=False)
    parse = settings.dbt_work_dir / "target" / "partial_parse.msgpack"
    if not parse.is_file():
        return
    manifest = Manifest.from_msgpack(parse.read_bytes(), decoder=extended_mashumuro_decoder)
    manifest.to_msgpack(extended_mashumaro_encoder)
    # manifest.json is written from the writable form, which records the usage-stats flag; the
    # flags are dbt's process-wide state, set again by every dbt command, and restored here.
    flags = get_flags()  # type: ignore[no-untyped-call] # dbt leaves it untyped
    set_flags(Namespace(SEND_ANONYMOUS_USAGE_STATS=False))  # type: ignore[no-untyped-call]
    try:
        manifest.writable_manifest().to_dict(omit_none=False)
    finally:
        set_flags(flags)  # type: ignore[no-untyped-call]
    # The manifest holds cycles: collect it now, or the server's gc.freeze keeps it for good.
    del manifest
    gc.collect()


def module_files() -> None:
    """Map the source file of every module imported so far to its module, in ``inspect``'s cache.

    dbt's adapter names the module behind each of its behaviour flags from ``inspect.stack()``
    (dbt-common's ``BehaviorFlagRendered``), at every dbt command. The first time
    ``inspect.getmodule`` meets a file it does not know, it resolves the real path of every
    loaded module's file: 0.1–0.2 s of ``lstat`` calls in each dbt step. Done here, a forked
    task inherits the map and resolves only the modules it imported itself.
    """
    # A file no module has, so that getmodule looks through every module it has not mapped.
    inspect.getmodule(None, _filename=f"<{__name__}.module_files {len(sys.modules)}>")
