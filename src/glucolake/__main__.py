"""``python -m glucolake`` is the same as the ``glucolake`` command."""

from glucolake.cli import main

main()
