-- The SQL Superset 6.1 runs for superset/charts/daily_time_in_ranges.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT DATE_TRUNC('day', CAST(local_date AS TIMESTAMP)) AS local_date, SUM(below_54 * n_readings) / NULLIF(SUM(n_readings), 0) AS tir_1_below_54, SUM(between_54_69 * n_readings) / NULLIF(SUM(n_readings), 0) AS tir_2_54_69, SUM(in_range_70_180 * n_readings) / NULLIF(SUM(n_readings), 0) AS tir_3_70_180, SUM(between_181_250 * n_readings) / NULLIF(SUM(n_readings), 0) AS tir_4_181_250, SUM(above_250 * n_readings) / NULLIF(SUM(n_readings), 0) AS tir_5_above_250 
FROM marts.mart_glucose_overview GROUP BY DATE_TRUNC('day', CAST(local_date AS TIMESTAMP)) ORDER BY tir_1_below_54 DESC 
 LIMIT 10000;
