"""target-duckdb (switchboard variant): a Singer target that loads with DuckDB's own readers."""
