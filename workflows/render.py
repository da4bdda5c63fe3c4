"""Render every workflow module's ``w`` to ``charts/glucolake/files/workflows/<name>.yaml``.

The chart applies these files verbatim (``.Files.Get``, so Argo's ``{{…}}`` never meet Helm's
template engine) and ``glucolake run`` walks the same files on one machine: one copy, two readers.

``python -m workflows.render`` rewrites the files; ``--check`` only compares and fails on drift
(the tests run the same comparison).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

RENDERED = Path(__file__).parents[1] / "charts" / "glucolake" / "files" / "workflows"
MODULES = ("pipeline", "refresh", "backfill")
HEADER = "# Generated from workflows/{module}.py by `make workflows`; do not edit.\n"


def rendered() -> dict[Path, str]:
    """The YAML text each workflow module renders to, by file."""
    files = {}
    for module in MODULES:
        workflow = importlib.import_module(f"workflows.{module}").w
        files[RENDERED / f"{workflow.name}.yaml"] = (
            HEADER.format(module=module) + workflow.to_yaml()
        )
    return files


def main() -> None:
    """Write or check the rendered files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a file differs")
    args = parser.parse_args()
    drifted = []
    for path, text in rendered().items():
        if args.check:
            if not path.is_file() or path.read_text() != text:
                drifted.append(path.name)
        else:
            path.write_text(text)
    if drifted:
        sys.stderr.write(
            f"rendered workflows out of date: {', '.join(drifted)}; run `make workflows`\n"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
