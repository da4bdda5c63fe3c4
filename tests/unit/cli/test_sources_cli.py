"""``glucolake sources``: the ids the workflow fans out over, one per item or in parts."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from glucolake.cli import main

IDS = [f"p{n}" for n in range(1, 8)]


@pytest.fixture
def cohort(tmp_path, monkeypatch):
    monkeypatch.setenv("GLUCOLAKE_HOME", str(tmp_path))
    path = tmp_path / "sources.yaml"
    entries = [{"id": i, "url": f"https://{i}.example.org"} for i in IDS]
    path.write_text(yaml.safe_dump({"sources": entries}))
    return path


def sources(cohort, *args):
    result = CliRunner().invoke(main, ["sources", "--sources", str(cohort), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_one_item_per_source_by_default(cohort):
    assert sources(cohort) == IDS
    assert sources(cohort, "--select", "p3,p1") == ["p1", "p3"]


def test_parts_cut_the_cohort_in_order_into_groups_of_near_equal_size(cohort):
    assert sources(cohort, "--parts", "3") == ["p1,p2", "p3,p4", "p5,p6,p7"]
    assert sources(cohort, "--parts", "1") == [",".join(IDS)]
    # Never an empty part: a small cohort gets one part per source.
    assert sources(cohort, "--parts", "20") == IDS
    assert sources(cohort, "--select", "p2,p5", "--parts", "4") == ["p2", "p5"]


def test_an_unknown_selection_is_refused(cohort):
    result = CliRunner().invoke(main, ["sources", "--sources", str(cohort), "--select", "p1,x"])
    assert result.exit_code == 2
    assert "glucolake: error: --select: no source x configured" in result.output


def test_ingest_refuses_an_unknown_or_empty_selection(cohort):
    def ingest(*only):
        return CliRunner().invoke(main, ["ingest", "--sources", str(cohort), *only])

    unknown = ingest("--only", "p1,nobody")
    assert unknown.exit_code == 2
    assert "glucolake: error: --only: no source nobody configured" in unknown.output
    empty = ingest("--only", " , ")
    assert empty.exit_code == 2
    assert "glucolake: error: --only: no source id given" in empty.output
