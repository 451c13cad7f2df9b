"""Opt-in benchmarks (never part of make test): see docs/performance.md."""
