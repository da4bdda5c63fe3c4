"""``python -m glucolake`` is the same as the ``glucolake`` command."""

from glucolake.cli import command_line

# Not when multiprocessing's spawn imports this module in a worker (dbt/models/curated/
# glucose_window_metrics.py computes sources in worker processes).
if __name__ == "__main__":
    command_line()
