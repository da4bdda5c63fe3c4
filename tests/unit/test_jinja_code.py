"""The compiled-template cache in front of Jinja: same output, no recompiling, nothing left on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jinja2
import jinja2.sandbox
import pytest

from glucolake import jinja_code
from glucolake.jinja_code import kept_compiled_templates

if TYPE_CHECKING:
    from pathlib import Path

TEMPLATE = "{% for x in items %}{{ x | upper }}{% if not loop.last %}, {% endif %}{% endfor %}"


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources Jinja generated Python code for (only a real compile does)."""
    calls: list[str] = []
    generate = jinja2.Environment._generate

    def counting(self: jinja2.Environment, source: object, *args: object, **kwargs: object) -> str:
        calls.append(str(getattr(source, "name", None)))
        return generate(self, source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "_generate", counting)
    return calls


def _environment(*, trim_blocks: bool = False) -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, trim_blocks=trim_blocks)


def _render(env: jinja2.Environment, source: str = TEMPLATE) -> str:
    return env.from_string(source).render(items=["a", "b"])


def test_a_later_call_reuses_the_code_and_renders_the_same(
    tmp_path: Path, generated: list[str]
) -> None:
    with kept_compiled_templates(tmp_path):
        first = _render(_environment())
        again_in_the_same_call = _render(_environment())
    assert len(generated) == 1
    with kept_compiled_templates(tmp_path):  # as the next dbt call, in another process, would
        later = _render(_environment())
    assert first == again_in_the_same_call == later == "A, B"
    assert len(generated) == 1


def test_other_syntax_settings_or_sources_compile_their_own_code(
    tmp_path: Path, generated: list[str]
) -> None:
    with kept_compiled_templates(tmp_path):
        _render(_environment())
    with kept_compiled_templates(tmp_path):
        trimmed = _environment(trim_blocks=True)
        assert trimmed.from_string("{% if true %}\nx{% endif %}").render() == "x"
        assert _environment().from_string("{% if true %}\nx{% endif %}").render() == "\nx"
        sandboxed = jinja2.sandbox.SandboxedEnvironment(autoescape=True)
        assert _render(sandboxed) == "A, B"
    assert len(generated) == 4


def test_the_class_gets_its_own_compile_back(tmp_path: Path) -> None:
    original = jinja2.Environment.compile
    installed = []

    def fail() -> None:
        with kept_compiled_templates(tmp_path):
            installed.append(jinja2.Environment.compile)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert installed[0] is not original
    assert jinja2.Environment.compile is original


def test_a_template_that_does_not_compile_fails_as_without_the_cache(tmp_path: Path) -> None:
    with kept_compiled_templates(tmp_path), pytest.raises(jinja2.TemplateSyntaxError) as raised:
        _environment().from_string("{% if %}")
    assert "Expected an expression" in str(raised.value)
    assert not list(tmp_path.iterdir())  # nothing compiled, nothing kept


def test_an_unreadable_file_costs_the_compiles_then_is_replaced(
    tmp_path: Path, generated: list[str]
) -> None:
    with kept_compiled_templates(tmp_path):
        _render(_environment())
    (kept,) = tmp_path.iterdir()
    kept.write_bytes(b"not marshal data")
    with kept_compiled_templates(tmp_path):
        assert _render(_environment()) == "A, B"
    with kept_compiled_templates(tmp_path):
        _render(_environment())
    assert len(generated) == 2


def test_beyond_the_bound_the_file_keeps_the_last_call_only(
    tmp_path: Path, generated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jinja_code, "MAX_TEMPLATES", 2)
    for text in ("one {{ 1 }}", "two {{ 2 }}", "three {{ 3 }}"):
        with kept_compiled_templates(tmp_path):
            _environment().from_string(text).render()
    with kept_compiled_templates(tmp_path):
        assert _environment().from_string("three {{ 3 }}").render() == "three 3"
        assert _environment().from_string("one {{ 1 }}").render() == "one 1"
    assert len(generated) == 4  # three first compiles, then "one" again: it was dropped
