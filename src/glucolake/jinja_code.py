"""Keeping the Python code Jinja compiles for a library's templates from one call to the next.

dbt compiles every macro and model template it uses from source at each call, through a new
Jinja environment each time, and never keeps the result: 130 to 140 templates per glucolake
step, 0.25 to 0.5 s of a step that takes 2.5 s on a week of data. Great Expectations does the
same for the 51 templates of its Data Docs site, at every gate: 0.1 s of a 0.5 s step. Jinja's
own bytecode cache only serves templates loaded through a bytecode-caching environment, which
neither library sets up (and dbt compiles with ``from_string``, which it never serves).

``kept_compiled_templates`` puts a cache in front of ``jinja2.Environment.compile`` for the
duration of a call, keyed by everything the generated code depends on: the template's source,
name and file name, the environment's class, extensions and syntax settings, and the installed
versions of Jinja and of the library whose environment it is (the file's name). The code
objects are kept in one marshal file, written atomically after a call that compiled something
new. A file that cannot be read costs the compiles, never the call: it is replaced.

The file holds code that runs in this process, so it lives in glucolake's home (the process's
own folder, like its virtual environment), never in the lake. A step in a pod starts with an
empty home and compiles everything, as the library alone does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import marshal
import os
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.utils import internalcode

from glucolake.files import write_atomic
from glucolake.logs import fields, get_logger

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from types import CodeType

__all__ = ["MAX_TEMPLATES", "kept_compiled_templates"]

log = get_logger(__name__)

MAX_TEMPLATES = 5000
"""Beyond this many kept templates the file starts again from the last call's (a bound on growth:
a glucolake build uses a few hundred)."""
_installed = threading.Lock()


@contextmanager
def kept_compiled_templates(
    folder: Path, generators: tuple[str, ...] = ("jinja2",)
) -> Iterator[None]:
    """Within this block, Jinja reuses the code it compiled for a template in an earlier call.

    ``generators`` are the packages whose code turns a template into Python: Jinja, and the
    library that sets up the environments (its classes, extensions and settings). Their
    installed versions name the file, so an upgrade of any of them starts a new one.
    """
    path = folder / f"jinja-code-{_generators_fingerprint(generators)}.marshal"
    kept = _read(path)
    used: dict[str, CodeType] = {}
    added = 0
    original = jinja2.Environment.compile

    @internalcode
    def compile_once(  # noqa: PLR0917 - Environment.compile's own signature
        self: jinja2.Environment,
        source: str | jinja2.nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,  # noqa: FBT001, FBT002
        defer_init: bool = False,  # noqa: FBT001, FBT002
    ) -> str | CodeType:
        nonlocal added
        if raw:  # Python source asked for, not code
            return original(self, source, name, filename, True, defer_init)  # noqa: FBT003
        if not isinstance(source, str) or os.environ.get("DBT_MACRO_DEBUGGING"):
            # A parsed tree has no text to key on; dbt writing templates out to debug wants them.
            return original(self, source, name, filename, False, defer_init)  # noqa: FBT003
        key = _key(self, source, name, filename, defer_init=defer_init)
        code = used.get(key) or kept.get(key)
        if code is None:
            # A template that does not compile raises here, as without the cache.
            code = original(self, source, name, filename, False, defer_init)  # noqa: FBT003
            added += 1
        used[key] = code
        return code

    with _installed:  # one call at a time owns the class attribute
        jinja2.Environment.compile = compile_once  # type: ignore[assignment,method-assign]
        try:
            yield
        finally:
            jinja2.Environment.compile = original  # type: ignore[method-assign]
    if added:
        merged = {**kept, **used} if len(kept) + added <= MAX_TEMPLATES else used
        _write(path, merged)
    log.debug("jinja_templates", extra=fields(reused=len(used) - added, compiled=added))


def _key(
    env: jinja2.Environment,
    source: str,
    name: str | None,
    filename: str | None,
    *,
    defer_init: bool,
) -> str:
    """What the generated code depends on, as a digest (the source's own text included)."""
    settings = (
        f"{type(env).__module__}.{type(env).__qualname__}",
        tuple(sorted(env.extensions)),
        # The lexer's settings (jinja2.lexer.get_lexer keys on these) and the code generator's.
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        _described(env.finalize),
        _described(env.autoescape),
        name,
        filename,
        defer_init,
    )
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _described(setting: Any) -> str:  # noqa: ANN401 - a value or a callable
    if callable(setting):
        return f"{getattr(setting, '__module__', '')}.{getattr(setting, '__qualname__', setting)}"
    return repr(setting)


@functools.cache  # the installed versions do not change while the process runs
def _generators_fingerprint(generators: tuple[str, ...]) -> str:
    """The Python bytecode format and the versions of the packages that generate the code."""
    versions = [importlib.util.MAGIC_NUMBER.hex()]
    for package in generators:
        try:
            versions.append(f"{package}={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package}=none")
    return hashlib.sha256(";".join(versions).encode()).hexdigest()[:16]


def _read(path: Path) -> dict[str, CodeType]:
    """The kept templates, or none when there is no file or it cannot be read as one."""
    try:
        kept = marshal.loads(path.read_bytes())  # noqa: S302 - glucolake's own file in its own home
    except FileNotFoundError:
        return {}
    except (OSError, EOFError, ValueError, TypeError) as exc:
        reason = str(exc)
    else:
        if isinstance(kept, dict):
            return kept
        reason = "not a map"
    log.warning("jinja_templates_unreadable", extra=fields(path=str(path), reason=reason))
    return {}


def _write(path: Path, templates: dict[str, CodeType]) -> None:
    try:
        write_atomic(path, marshal.dumps(templates))
    except OSError as exc:
        log.warning("jinja_templates_not_kept", extra=fields(path=str(path), reason=str(exc)))
