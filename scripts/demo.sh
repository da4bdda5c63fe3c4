#!/usr/bin/env bash
# The one-machine demo: a simulated Nightscout cohort, then the pipeline against it.
# Run through `make demo`, which provides the venv (so `glucolake` is on PATH).
set -euo pipefail

home="${GLUCOLAKE_HOME:-.glucolake}"
mkdir -p "$home"
cohort="$home/demo-sources.yaml"
rm -f "$cohort"

# Three patients, a month of data. The seed fixes the data, so a second demo run is incremental.
glucolake simulate --sources 3 --days 30 --seed 7 --port 0 --write-sources "$cohort" \
  >"$home/simulator.log" 2>&1 &
simulator=$!
trap 'kill "$simulator" 2>/dev/null || true; wait "$simulator" 2>/dev/null || true' EXIT

for _ in $(seq 1 300); do
  [[ -s "$cohort" ]] && break
  kill -0 "$simulator" 2>/dev/null || { cat "$home/simulator.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$cohort" ]] || { echo "demo: the simulator did not start; see $home/simulator.log" >&2; exit 1; }

# The same DAG Argo runs on a cluster (charts/glucolake/files/workflows/glucolake-pipeline.yaml),
# walked here.
glucolake run --sources "$cohort"
kill "$simulator" 2>/dev/null || true
glucolake summary

echo
echo "Report:     $home/report.html (open it in a browser; it needs no network)"
echo "Task logs:  $home/runs/"
echo "Raw zone:   $home/lake/raw/nightscout/"
echo "Curated:    $home/lake/curated/"
echo "Warehouse:  $home/warehouse.duckdb (schemas curated and marts)"
echo "Quality:    $home/lake/quality/runs/ and $home/quality/data_docs/index.html"
echo "dbt docs:   glucolake docs (then open $home/dbt/target/index.html)"
