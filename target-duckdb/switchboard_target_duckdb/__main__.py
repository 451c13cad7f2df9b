"""``python -m switchboard_target_duckdb``, as the ``target-duckdb`` command."""

from switchboard_target_duckdb.cli import main

main()
