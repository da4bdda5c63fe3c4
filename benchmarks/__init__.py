"""`make bench`: benchmarks of the pipeline stages (they report, they never assert)."""
