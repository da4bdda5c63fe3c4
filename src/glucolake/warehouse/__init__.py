"""The warehouse: curated tables loaded from the lake in one transaction, then the marts."""

from glucolake.warehouse.load import (
    CURATED_TABLES,
    WarehouseError,
    curated_location,
    load_curated,
)
from glucolake.warehouse.summary import read_summary

__all__ = [
    "CURATED_TABLES",
    "WarehouseError",
    "curated_location",
    "load_curated",
    "read_summary",
]
