"""The ingest step: Nightscout sites into the raw zone of the lake."""

from glucolake.ingest.run import new_batch_id, run_ingest
from glucolake.ingest.source import IngestOptions, SourceResult, ingest_source

__all__ = ["IngestOptions", "SourceResult", "ingest_source", "new_batch_id", "run_ingest"]
