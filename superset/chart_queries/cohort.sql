-- The SQL Superset 6.1 runs for superset/charts/cohort.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT source_id AS source_id, n_readings AS n_readings, active_percent AS active_percent, mean_glucose AS mean_glucose, cv_glucose AS cv_glucose, gmi AS gmi, gri AS gri, in_range_70_180 AS in_range_70_180, below_70 AS below_70, below_54 AS below_54, above_180 AS above_180, above_250 AS above_250 
FROM marts.mart_glucose_summary 
WHERE "window" = '14d' ORDER BY source_id ASC 
 LIMIT 1000;
