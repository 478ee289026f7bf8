"""Benchmarks: each measures one part of newsqa from outside (speed, and reliability under load,
overload, swaps, crashes, hostile input), writes JSON to bench/results/."""
