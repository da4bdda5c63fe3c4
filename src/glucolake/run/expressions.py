"""Argo's ``{{…}}`` parameter expressions, substituted the way the controller does."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["UnresolvedExpressionError", "substitute"]

_EXPRESSION = re.compile(r"\{\{\s*([\w.\-]+)\s*\}\}")


class UnresolvedExpressionError(KeyError):
    """An expression names a value nobody provided."""


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{name}}`` in ``text`` with ``values[name]``.

    ``values`` holds the fully qualified names Argo uses: ``inputs.parameters.x``,
    ``workflow.parameters.x``, ``workflow.uid``, ``item``, ``tasks.t.outputs.result``.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise UnresolvedExpressionError(f"{{{{{name}}}}} has no value")
        return values[name]

    return _EXPRESSION.sub(replace, text)
