-- The SQL Superset 6.1 runs for superset/charts/hourly_heatmap.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT local_hour AS local_hour, local_iso_weekday || ' ' || (ARRAY['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[local_iso_weekday] AS weekday, SUM(mean_glucose * n_readings) / NULLIF(SUM(n_readings), 0) AS mean_glucose_mg_dl 
FROM marts.mart_glucose_hourly_patterns GROUP BY local_hour, local_iso_weekday || ' ' || (ARRAY['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[local_iso_weekday] ORDER BY local_hour ASC, local_iso_weekday || ' ' || (ARRAY['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[local_iso_weekday] DESC 
 LIMIT 10000;
