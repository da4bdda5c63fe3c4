from __future__ import annotations

import sys

from glucolake.run.executor import run_workflow
from glucolake.run.template import Dag, DagTask, Retry, StepTemplate, WorkflowDefinition


def step(name, code):
    return StepTemplate(name=name, command=[sys.executable, "-c"], args=[code], inputs={})


def workflow(tasks, steps, *, parallelism=4, arguments=None):
    return WorkflowDefinition(
        name="t",
        arguments=arguments or {},
        entrypoint=Dag(
            name="main", inputs={}, tasks={t.name: t for t in tasks}, parallelism=parallelism
        ),
        steps={s.name: s for s in steps},
    )


def test_a_failure_stops_its_dependants_and_nothing_else(tmp_path):
    steps = [step("ok", "pass"), step("boom", "raise SystemExit(3)")]
    tasks = [
        DagTask(name="a", template="ok", arguments={}),
        DagTask(name="fails", template="boom", arguments={}, depends=("a",)),
        DagTask(name="after-failure", template="ok", arguments={}, depends=("fails",)),
        DagTask(name="later", template="ok", arguments={}, depends=("after-failure",)),
        DagTask(name="independent", template="ok", arguments={}, depends=("a",)),
    ]
    results = run_workflow(workflow(tasks, steps), parameters={}, run_id="r", log_dir=tmp_path)
    assert {n: r.status for n, r in results.items()} == {
        "a": "Succeeded",
        "fails": "Failed",
        "after-failure": "Omitted",
        "later": "Omitted",
        "independent": "Succeeded",
    }
    assert (tmp_path / "fails.log").is_file()


def fan_out(items, code, value):
    """``plan`` prints ``items`` as JSON; ``work`` runs ``code`` for each, given ``value``."""
    steps = [
        step("list", f"import json; print(json.dumps({items!r}))"),
        StepTemplate(
            name="each",
            command=[sys.executable, "-c", code],
            args=["{{inputs.parameters.value}}"],
            inputs={"value": None},
        ),
    ]
    tasks = [
        DagTask(name="plan", template="list", arguments={}),
        DagTask(
            name="work",
            template="each",
            arguments={"value": value},
            depends=("plan",),
            with_param="{{tasks.plan.outputs.result}}",
        ),
    ]
    return workflow(tasks, steps)


def test_fan_out_over_a_previous_tasks_output_in_parallel(tmp_path):
    # Each item prints when it started and ended; items that overlap ran side by side.
    code = "import sys,time; a=time.time(); time.sleep(1); print(sys.argv[1], a, time.time())"
    dag = fan_out(["x", "y", "z"], code, "item-{{item}}")
    results = run_workflow(dag, parameters={}, run_id="r", log_dir=tmp_path)
    work = results["work"]
    assert work.status == "Succeeded"
    printed = [c.stdout.split() for c in work.children]
    assert [p[0] for p in printed] == ["item-x", "item-y", "item-z"]
    starts, ends = [float(p[1]) for p in printed], [float(p[2]) for p in printed]
    assert max(starts) < min(ends), "the items ran concurrently"


def test_a_long_item_is_whole_in_the_command_and_shortened_in_names(tmp_path):
    # An ingest part lists up to a cohort's quarter of source ids.
    ids = ",".join(f"patient-{n:03}" for n in range(1, 51))
    dag = fan_out([ids], "import sys; print(sys.argv[1])", "{{item}}")
    results = run_workflow(dag, parameters={}, run_id="r", log_dir=tmp_path)
    (child,) = results["work"].children
    assert child.status == "Succeeded"
    assert child.stdout.strip() == ids
    assert child.name == f"work(0:{ids[:57]}...)"
    assert (tmp_path / f"{child.name}.log").is_file()


def test_parameters_flow_from_the_workflow_into_commands(tmp_path):
    steps = [
        StepTemplate(
            name="echo",
            command=[sys.executable, "-c", "import sys; print(sys.argv[1])"],
            args=["{{inputs.parameters.greeting}}/{{workflow.parameters.who}}/{{workflow.uid}}"],
            inputs={"greeting": None},
        )
    ]
    tasks = [DagTask(name="say", template="echo", arguments={"greeting": "hello"})]
    definition = workflow(tasks, steps, arguments={"who": "default"})
    results = run_workflow(definition, parameters={"who": "world"}, run_id="r1", log_dir=tmp_path)
    assert results["say"].stdout == "hello/world/r1"


def test_retries_follow_the_retry_strategy(tmp_path):
    marker = tmp_path / "attempts"
    code = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]);"
        " n=int(p.read_text()) if p.exists() else 0;"
        " p.write_text(str(n+1)); sys.exit(0 if n >= 2 else 1)"
    )
    steps = [
        StepTemplate(
            name="flaky",
            command=[sys.executable, "-c", code, str(marker)],
            args=[],
            inputs={},
            retry=Retry(limit=3, duration_s=5, factor=2),
        )
    ]
    waits = []
    tasks = [DagTask(name="f", template="flaky", arguments={})]
    results = run_workflow(
        workflow(tasks, steps), parameters={}, run_id="r", log_dir=tmp_path, sleep=waits.append
    )
    assert results["f"].status == "Succeeded"
    assert results["f"].attempts == 3
    assert waits == [5, 10]
