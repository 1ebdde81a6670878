"""Benchmark harness for jsondrip: ``python -m benchmarks`` (see README.md)."""
