"""The OpenLineage dbt integration's events for a dbt command, tied into glucolake's graph.

The integration reads dbt's artifacts and describes every model and test with its SQL. On the
lake side dbt-duckdb runs in memory, so the integration names the raw sources and the models
written to the lake as in-memory relations; they are renamed here to the lake datasets they are
(``raw/nightscout/entries``, ``intermediate/int_glucose_enriched.parquet``…), so the dbt runs and
the steps around them meet in one graph.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attr
from openlineage.common.provider.dbt.facets import ParentRunMetadata
from openlineage.common.provider.dbt.local import (
    DbtLocalArtifactProcessor,
)

from glucolake.lineage.datasets import lake_output
from glucolake.lineage.emitter import PIPELINE_JOB, PRODUCER
from glucolake.logs import fields, get_logger
from glucolake.transform.dbt import dbt_environment

if TYPE_CHECKING:
    from glucolake.lineage.emitter import Lineage, StepRun
    from glucolake.settings import Settings

__all__ = ["emit_dbt_lineage"]

log = get_logger(__name__)


def emit_dbt_lineage(
    lineage: Lineage, settings: Settings, target: tuple[str, dict[str, str]], step: StepRun
) -> int:
    """Emit the integration's events for the dbt command that just ran; return how many.

    The integration reads ``profiles.yml`` to name datasets, so it runs with the target's
    environment, as dbt did.
    """
    with dbt_environment(target[1]):
        return _emit(lineage, settings, target[0], step)


def _emit(lineage: Lineage, settings: Settings, target: str, step: StepRun) -> int:
    target_path = settings.dbt_work_dir / "target"
    processor = DbtLocalArtifactProcessor(
        producer=PRODUCER,
        job_namespace=lineage.namespace,
        project_dir=str(settings.dbt_project_dir),
        profile_name="glucolake",
        target=target,
        target_path=str(target_path),
    )
    processor.dbt_run_metadata = ParentRunMetadata(
        run_id=step.run_id,
        job_name=step.job,
        job_namespace=lineage.namespace,
        root_parent_run_id=lineage.pipeline_run_id,
        root_parent_job_name=PIPELINE_JOB,
        root_parent_job_namespace=lineage.namespace,
    )
    try:
        events = processor.parse()
    except Exception as exc:  # noqa: BLE001 - lineage must never break the pipeline
        log.warning("dbt_lineage_unavailable", extra=fields(reason=str(exc).splitlines()[0]))
        return 0
    renames = (
        _lake_names(settings, target_path / "manifest.json") if target.startswith("lake") else {}
    )
    count = 0
    for event in [*events.starts, *events.completes, *events.fails]:
        lineage.client.emit(
            attr.evolve(
                event,
                inputs=[_renamed(d, renames) for d in event.inputs or []],
                outputs=[_renamed(d, renames) for d in event.outputs or []],
            )
        )
        count += 1
    return count


def _renamed(dataset: Any, renames: dict[str, Any]) -> Any:  # noqa: ANN401 - attrs datasets
    lake = renames.get(dataset.name)
    if lake is None:
        return dataset
    return attr.evolve(dataset, namespace=lake.namespace, name=lake.name)


def _lake_names(settings: Settings, manifest_path: Any) -> dict[str, Any]:  # noqa: ANN401
    """``memory.<schema>.<name>`` of every lake source and external model → its lake dataset."""
    manifest = json.loads(manifest_path.read_text())
    renames: dict[str, Any] = {}
    for source in manifest.get("sources", {}).values():
        template = str(source.get("meta", {}).get("external_location", ""))
        if "{lake}/" not in template:
            continue
        path = template.split("{lake}/", 1)[1].replace("{name}", source["name"])
        folder = "/".join(p for p in _until_glob(path.split("/")))
        key = f"{source['database']}.{source['schema']}.{source['identifier']}"
        renames[key] = lake_output(settings, folder)
    for node in manifest.get("nodes", {}).values():
        if (
            node.get("resource_type") == "model"
            and node["config"].get("materialized") == "external"
        ):
            key = f"{node['database']}.{node['schema']}.{node['alias']}"
            partitioned = (node["config"].get("options") or {}).get("partition_by")
            suffix = "" if partitioned else ".parquet"  # a partitioned model is a folder
            renames[key] = lake_output(settings, f"{node['schema']}/{node['alias']}{suffix}")
    return renames


def _until_glob(parts: list[str]) -> list[str]:
    kept = []
    for part in parts:
        if "*" in part or "(" in part or "'" in part:
            break
        kept.append(part)
    return kept
