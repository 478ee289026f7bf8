"""Benchmarks: each measures a real server from the outside, prints a table and writes JSON."""
