-- The SQL Superset 6.1 runs for superset/charts/glucose_trend_7d.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT DATE_TRUNC('hour', local_hour_start) AS local_hour_start, source_id AS source_id, SUM(mean_glucose * n_readings) / NULLIF(SUM(n_readings), 0) AS mean_glucose_mg_dl 
FROM marts.mart_glucose_hourly_trend GROUP BY DATE_TRUNC('hour', local_hour_start), source_id ORDER BY mean_glucose_mg_dl DESC 
 LIMIT 50000;
