-- The SQL Superset 6.1 runs for superset/charts/agp.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT DATE_TRUNC('hour', TIMESTAMP '2000-01-01 00:00:00' + minutes_after_midnight * INTERVAL '1 minute') + INTERVAL '15 minutes' * FLOOR(EXTRACT(MINUTE FROM TIMESTAMP '2000-01-01 00:00:00' + minutes_after_midnight * INTERVAL '1 minute') / 15) AS local_time_of_day, AVG(p95) AS agp_p95, AVG(p75) AS agp_p75, AVG(p50) AS agp_p50, AVG(p25) AS agp_p25, AVG(p05) AS agp_p05 
FROM marts.mart_glucose_agp GROUP BY DATE_TRUNC('hour', TIMESTAMP '2000-01-01 00:00:00' + minutes_after_midnight * INTERVAL '1 minute') + INTERVAL '15 minutes' * FLOOR(EXTRACT(MINUTE FROM TIMESTAMP '2000-01-01 00:00:00' + minutes_after_midnight * INTERVAL '1 minute') / 15) ORDER BY agp_p95 DESC 
 LIMIT 10000;
