"""A document split into its scalar values and its shape, so the raw zone stores each value once.

The raw zone gives every scalar of a document a typed column (``sgv``, ``loop.iob.iob``), which
is what staging reads. Keeping the whole JSON text beside them stored every value twice, and the
text compresses worst: it was three quarters of an entries file. So a document is stored as
its columns plus its *shape*: the document with each value its column holds replaced by
``null``, which keeps key order, nesting, arrays and JSON types. Putting the column values back
into the shape gives the document again, byte for byte.

Which values are columns (the *slots*): every top-level field (but ``_gl_…``, the zone's own
metadata), and every scalar inside objects, named by its path (``loop.iob.iob``) unless a key
on the way holds a dot or ``[]``, or the document also has a top-level field of that
name. An array of scalars of one JSON type (a loop's ``predicted.values``) is a slot too, in a
list column named by its path and ``[]`` (``loop.predicted.values[]``), so an array never
shares a column with the scalars another document holds at that path. Other arrays (empty,
mixed, of objects) stay in the shape.

A slot keeps its value in the shape when its column would give it back with another JSON type
(an integer in a column of floats, a number in a column of mixed text). A string inside an
object that repeats an earlier string of the document (a device status repeats its
``created_at`` four times) is written in the shape as a reference to that slot: a NUL
character, then the slot's path; its column is ``null`` there. An array slot is written as a
reference to its own column, since a ``null`` would not say which of the two columns of its
path to read. A shape holds no other string in a slot, since a string always goes to its
column, so a reference is never mistaken for a value.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ARRAY_KINDS",
    "ARRAY_SUFFIX",
    "REFERENCE",
    "Kind",
    "Split",
    "canonical_json",
    "rebuild",
]

REFERENCE = "\x00"
ARRAY_SUFFIX = "[]"
# The kind of an array slot, by the type of its items: one object each, compared with ``is``.
ARRAY_KINDS: dict[type, tuple[type, type]] = {t: (list, t) for t in (bool, int, float, str)}
Kind = type | tuple[type, type]
"""What a slot's value is, and what a column gives back: a scalar type or an array kind."""
_METADATA_PREFIX = "_gl_"


def canonical_json(document: dict[str, Any]) -> str:
    """The document as compact JSON text, keys in the order the server sent them."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class Split:
    """One document's slot values by path, ready to become a shape once its columns exist."""

    def __init__(self, document: dict[str, Any]) -> None:
        """Split ``document`` (left unchanged)."""
        self._document = document
        self.values: dict[str, Any] = {}
        # Which nested string slots repeat an earlier string, and the slot they point to.
        self._references: dict[str, str] = {}
        self._kinds: list[tuple[str, Kind]] = []
        self._first_path: dict[str, str] = {}  # each string's first slot, for the first walk
        self._top_level_scalars = 0
        self._blank = self._walk(document, None, None)
        self.kinds = tuple(self._kinds)
        # A flat document (every field a top-level scalar slot) has its keys alone for a blank
        # shape: most entries share one.
        flat = self._top_level_scalars == len(document)
        self.flat_keys = tuple(document) if flat else None

    def shape(self, column_types: dict[str, Kind], *, fits: bool) -> str:
        """The shape as JSON text.

        ``column_types`` is the Python type each column gives its values back as; ``fits`` says
        that every value's type is its column's (``kinds`` against ``column_types``), so every
        slot is blank. Otherwise a value of another type (an integer in a column of floats)
        stays in the shape. A string always goes to its column (one holding any string is
        text), so no string is left in a slot to be mistaken for a reference.
        """
        if fits:
            return canonical_json(self._blank)
        return canonical_json(self._walk(self._document, None, column_types))

    def _walk(
        self, obj: dict[str, Any], prefix: str | None, column_types: dict[str, Kind] | None
    ) -> dict[str, Any]:
        """The shape of ``obj``: every slot blank when ``column_types`` is ``None``."""
        shape: dict[str, Any] = {}
        for key, value in obj.items():
            if prefix is None:
                path = key
                if key.startswith(_METADATA_PREFIX):
                    shape[key] = value
                    continue
            elif "." in key or ARRAY_SUFFIX in key:
                shape[key] = value
                continue
            else:
                path = f"{prefix}.{key}"
            kind = type(value)
            if kind is dict:
                shape[key] = value if "." in key else self._walk(value, path, column_types)
            elif prefix is not None and path in self._document:
                shape[key] = value
            elif kind is list:
                shape[key] = self._array_slot(path + ARRAY_SUFFIX, value, column_types)
            else:
                if prefix is None and column_types is None:
                    self._top_level_scalars += 1
                shape[key] = self._slot(path, value, prefix is not None, column_types)
        return shape

    def _array_slot(
        self, path: str, value: list[Any], column_types: dict[str, Kind] | None
    ) -> list[Any] | str:
        """What the shape holds for an array: a reference to its column, or the array itself.

        The first walk records the array when it is a slot: its items all of one scalar type,
        and no top-level field named like its column.
        """
        if column_types is None:
            item_type = _item_type(value)
            if item_type is None or path in self._document:
                return value
            self.values[path] = value
            self._kinds.append((path, ARRAY_KINDS[item_type]))
        elif path not in self.values or column_types.get(path) is not ARRAY_KINDS.get(
            _item_type(value)  # type: ignore[arg-type]  # None is never a key: no kind
        ):
            return value
        return REFERENCE + path

    def _slot(
        self,
        path: str,
        value: Any,  # noqa: ANN401 - any JSON scalar
        nested: bool,  # noqa: FBT001
        column_types: dict[str, Kind] | None,
    ) -> Any:  # noqa: ANN401 - any JSON scalar
        """What the shape holds in one slot.

        The first walk (from ``__init__``, ``column_types`` unknown) also records the value,
        its kind, or the earlier slot a repeated nested string points to; a later walk (a value
        of another type than its column's) only reads what it recorded.
        """
        if column_types is None:
            if type(value) is str and nested and value in self._first_path:
                self._references[path] = self._first_path[value]
            else:
                if type(value) is str:
                    self._first_path.setdefault(value, path)
                self.values[path] = value
                if value is not None:
                    self._kinds.append((path, type(value)))
        reference = self._references.get(path)
        if reference is not None:
            return REFERENCE + reference
        return None if column_types is None or column_types.get(path) is type(value) else value


def _item_type(array: list[Any]) -> type | None:
    """The one scalar type of every item of ``array``; ``None`` if empty, mixed or nested."""
    types = set(map(type, array))
    if len(types) != 1:
        return None
    (item_type,) = types
    return item_type if item_type in ARRAY_KINDS else None


def rebuild(shape: str, cell: Callable[[str], Any]) -> str:
    """The document's text again: each blank slot of ``shape`` filled with ``cell(path)``."""
    keys = _blank_flat_keys(shape)
    if keys is not None:
        return canonical_json({key: cell(key) for key in keys})
    document: dict[str, Any] = json.loads(shape)
    return canonical_json(_filled(document, None, document, cell))


@functools.lru_cache(maxsize=256)
def _blank_flat_keys(shape: str) -> tuple[str, ...] | None:
    """The keys of a shape whose every value is a blank top-level slot; ``None`` for others."""
    document: dict[str, Any] = json.loads(shape)
    if any(
        value is not None or key.startswith(_METADATA_PREFIX) for key, value in document.items()
    ):
        return None
    return tuple(document)


def _filled(
    obj: dict[str, Any], prefix: str | None, top_level: dict[str, Any], cell: Callable[[str], Any]
) -> dict[str, Any]:
    """``obj`` with its slots filled: the slot rules of ``Split._walk``, read backwards."""
    for key, value in obj.items():
        if prefix is None:
            path = key
            if key.startswith(_METADATA_PREFIX):
                continue
        elif "." in key or ARRAY_SUFFIX in key:
            continue
        else:
            path = f"{prefix}.{key}"
        kind = type(value)
        if kind is dict:
            if "." not in key:
                _filled(value, path, top_level, cell)
        elif kind is list or (prefix is not None and path in top_level):
            continue
        elif value is None:
            obj[key] = cell(path)
        elif kind is str and value.startswith(REFERENCE):
            obj[key] = cell(value.removeprefix(REFERENCE))
    return obj
