"""Benchmarks: speed, and reliability under load, overload, swaps, crashes, hostile input."""
