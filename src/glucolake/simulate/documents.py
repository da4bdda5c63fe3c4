"""Nightscout JSON documents, built from columns only for the rows a response needs.

Field sets follow what real uploaders leave in a v1 database after the server's normalisation:
``dateString``/``sysTime`` in UTC with ``utcOffset`` beside them, treatments with ``carbs`` and
``insulin`` always present (``null`` when absent, as v1 GET re-casts them with ``Number()``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from glucolake.simulate.cohort import STYLE_DEVICES, STYLE_SHARE
from glucolake.simulate.events import ENTERED_BY, EV_BG_CHECK, EV_TEMP_BASAL, EVENT_TYPES
from glucolake.simulate.quirk_kinds import REGISTRY, Randoms
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from glucolake.simulate.dataset import SourceData

__all__ = [
    "DIRECTIONS",
    "profile_documents",
    "render_devicestatus",
    "render_entries",
    "render_treatments",
]

Doc = dict[str, Any]
Rows = npt.NDArray[np.intp]

# Index = Nightscout `trend` number (lib/server/pebble.js).
DIRECTIONS = (
    "NONE",
    "DoubleUp",
    "SingleUp",
    "FortyFiveUp",
    "Flat",
    "FortyFiveDown",
    "SingleDown",
    "DoubleDown",
    "NOT COMPUTABLE",
    "RATE OUT OF RANGE",
)
_PATCHES = (None, *(kind.patch for kind in REGISTRY))
_PREDICTED_STEPS = 12


def _object_ids(
    ts: npt.NDArray[Any],
    uploader: npt.NDArray[Any],
    counter: npt.NDArray[Any],
    machines: tuple[str, ...],
) -> list[str]:
    return [
        f"{t:08x}{machines[u]}{c:06x}"
        for t, u, c in zip(ts.tolist(), uploader.tolist(), counter.tolist(), strict=True)
    ]


def _number(value: float) -> int | float | None:
    """A JSON number as JavaScript would print it (no ``.0``); NaN becomes ``null``."""
    if math.isnan(value):
        return None
    return int(value) if float(value).is_integer() else value


def _numbers(values: npt.NDArray[np.floating[Any]]) -> list[int | float | None]:
    return [_number(v) for v in values.tolist()]


def render_entries(data: SourceData, rows: Rows) -> list[Doc]:
    """Entries documents for row positions ``rows`` of ``data.entries``."""
    c = data.entries.take(rows)
    inst = c["inst"]
    iso = iso_strings(inst)
    ids = _object_ids(c["oid_ts"], c["uploader"], c["oid_ctr"], data.spec.machines)
    offsets = data.timeline.minutes(inst).tolist()
    dates = [_number(d) for d in c["date"].tolist()]
    sgv_values = c["sgv"]
    sgv = (
        [_number(v) for v in sgv_values.tolist()]
        if sgv_values.dtype.kind == "f"
        else sgv_values.tolist()
    )
    raw = sgv_values.astype(np.int64) + 30
    wobble = inst % 997
    unfiltered = (raw * 1080 + wobble * 3).tolist()
    filtered = (raw * 1060 + wobble).tolist()
    trend, style, kind = c["trend"].tolist(), c["style"].tolist(), c["kind"].tolist()
    delta = [None if math.isnan(d) else round(d, 3) for d in c["delta"].tolist()]
    docs: list[Doc] = []
    for i in range(len(ids)):
        if style[i] == STYLE_SHARE:
            doc: Doc = {
                "_id": ids[i],
                "sgv": sgv[i],
                "date": dates[i],
                "dateString": iso[i],
                "trend": trend[i],
                "direction": DIRECTIONS[trend[i]],
                "device": STYLE_DEVICES[STYLE_SHARE],
                "type": "sgv",
                "utcOffset": offsets[i],
                "sysTime": iso[i],
            }
        else:
            doc = {
                "_id": ids[i],
                "device": STYLE_DEVICES[style[i]],
                "date": dates[i],
                "dateString": iso[i],
                "sgv": sgv[i],
                "delta": delta[i],
                "direction": DIRECTIONS[trend[i]],
                "type": "sgv",
                "filtered": filtered[i],
                "unfiltered": unfiltered[i],
                "rssi": 100,
                "noise": 1,
                "sysTime": iso[i],
                "utcOffset": offsets[i],
            }
            if doc["delta"] is None:
                del doc["delta"]
        patch = _PATCHES[kind[i]]
        if patch is not None:
            doc = patch(doc, Randoms(data.seed, data.spec, kind[i]), int(inst[i]))
        docs.append(doc)
    return docs


def render_treatments(data: SourceData, rows: Rows) -> list[Doc]:
    """Treatments documents for row positions ``rows`` of ``data.treatments``."""
    c = data.treatments.take(rows)
    created = c["created"]
    iso = iso_strings(created)
    ids = _object_ids(c["oid_ts"], c["uploader"], c["oid_ctr"], data.spec.machines)
    offsets = data.timeline.minutes(created).tolist()
    event, entered = c["event"].tolist(), c["entered"].tolist()
    carbs, insulin = c["carbs"].tolist(), c["insulin"].tolist()
    duration, absolute, percent = (
        c["duration"].tolist(),
        c["absolute"].tolist(),
        c["percent"].tolist(),
    )
    glucose, kind = c["glucose"].tolist(), c["kind"].tolist()
    docs: list[Doc] = []
    for i in range(len(ids)):
        doc: Doc = {
            "_id": ids[i],
            "eventType": EVENT_TYPES[event[i]],
            "created_at": iso[i],
            "enteredBy": ENTERED_BY[entered[i]],
            "utcOffset": offsets[i],
            "carbs": _number(carbs[i]),
            "insulin": _number(insulin[i]),
        }
        if event[i] == EV_TEMP_BASAL:
            doc["duration"] = _number(duration[i])
            if data.spec.basal_style == "absolute":
                doc |= {"absolute": absolute[i], "rate": absolute[i], "temp": "absolute"}
            else:
                doc["percent"] = _number(percent[i])
        elif event[i] == EV_BG_CHECK:
            doc |= {"glucose": _number(glucose[i]), "glucoseType": "Finger", "units": "mg/dl"}
        patch = _PATCHES[kind[i]]
        if patch is not None:
            doc = patch(doc, Randoms(data.seed, data.spec, kind[i]), int(created[i]))
        docs.append(doc)
    return docs


def _predictions(
    bg: npt.NDArray[Any], step: npt.NDArray[Any], iob: npt.NDArray[Any], isf: float
) -> list[list[int]]:
    """Loop-like forecast: the current trend, damped, minus part of the insulin still acting."""
    k = np.arange(_PREDICTED_STEPS)
    momentum = np.cumsum(0.8**k) - 1.0
    values = (
        bg[:, None]
        + step[:, None] * momentum[None, :]
        - (iob * isf * 0.3)[:, None] * (k / 11.0)[None, :]
    )
    clipped: list[list[int]] = np.clip(np.rint(values), 39, 400).astype(np.int64).tolist()
    return clipped


def render_devicestatus(data: SourceData, rows: Rows) -> list[Doc]:
    """Loop devicestatus documents for row positions ``rows`` of ``data.devicestatus``."""
    c = data.devicestatus.take(rows)
    created = c["created"]
    iso = iso_strings(created)
    machines = data.spec.machines
    ids = [
        f"{t:08x}{machines[2]}{n:06x}"
        for t, n in zip(c["oid_ts"].tolist(), c["oid_ctr"].tolist(), strict=True)
    ]
    local_hour = (
        (created + data.timeline.minutes(created).astype(np.int64) * 60_000) % 86_400_000
    ) / 3_600_000
    phone = np.clip(100 - 5 * ((local_hour - 7.0) % 24.0), 15, 100).astype(np.int64).tolist()
    hours_since_fill = (created % (3 * 86_400_000)) / 3_600_000
    reservoir = _numbers(np.round(np.maximum(200.0 - 2.2 * hours_since_fill, 5.0), 1))
    pump_battery = (100 - 6 * ((created // 86_400_000) % 14)).tolist()
    predicted = _predictions(
        c["bg"].astype(np.float64),
        c["step"].astype(np.float64),
        c["iob"].astype(np.float64),
        data.spec.sensitivity,
    )
    iob = _numbers(np.round(c["iob"].astype(np.float64), 2))
    cob = _numbers(np.round(c["cob"].astype(np.float64), 1))
    return [
        {
            "_id": ids[i],
            "device": "loop://iPhone",
            "created_at": iso[i],
            "uploader": {"battery": phone[i]},
            "pump": {
                "clock": iso[i],
                "reservoir": reservoir[i],
                "battery": {"percent": pump_battery[i]},
            },
            "loop": {
                "name": "Loop",
                "version": "3.4.1",
                "timestamp": iso[i],
                "iob": {"iob": iob[i], "timestamp": iso[i]},
                "cob": {"cob": cob[i]},
                "predicted": {"startDate": iso[i], "values": predicted[i]},
            },
        }
        for i in range(len(ids))
    ]


def profile_documents(data: SourceData) -> list[Doc]:
    """The source's profile collection (one document)."""
    spec = data.spec
    start = data.profile_start_ms
    iso = iso_strings([start])[0]

    def schedule(value: float) -> list[dict[str, Any]]:
        return [{"time": "00:00", "value": value, "timeAsSeconds": 0}]

    store: Doc = {
        "dia": 6,
        "carbratio": schedule(spec.carb_ratio),
        "carbs_hr": 20,
        "delay": 20,
        "sens": schedule(spec.sensitivity),
        "basal": [
            {"time": "00:00", "value": spec.basal_rate, "timeAsSeconds": 0},
            {"time": "06:00", "value": round(spec.basal_rate * 1.2, 2), "timeAsSeconds": 21_600},
        ],
        "target_low": schedule(100),
        "target_high": schedule(120),
        "units": "mg/dl",
    }
    if spec.profile_timezone:
        store["timezone"] = spec.timezone
    return [
        {
            "_id": f"{start // 1000:08x}{spec.machines[3]}{spec.index:06x}",
            "defaultProfile": "Default",
            "store": {"Default": store},
            "startDate": iso,
            "mills": start,
            "units": "mg/dl",
            "created_at": iso,
        }
    ]
