-- The SQL Superset 6.1 runs for superset/charts/gmi.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT DATE_TRUNC('day', CAST(local_date AS TIMESTAMP)) AS local_date, SUM(gmi * n_readings) / NULLIF(SUM(n_readings), 0) AS gmi_daily 
FROM marts.mart_glucose_overview GROUP BY DATE_TRUNC('day', CAST(local_date AS TIMESTAMP)) ORDER BY gmi_daily DESC 
 LIMIT 10000;

SELECT DATE_TRUNC('day', CAST(local_date AS TIMESTAMP)) AS local_date, SUM(gmi_14d * n_readings_14d) / NULLIF(SUM(n_readings_14d), 0) AS gmi_14d 
FROM marts.mart_glucose_overview GROUP BY DATE_TRUNC('day', CAST(local_date AS TIMESTAMP)) ORDER BY gmi_14d DESC 
 LIMIT 10000;
