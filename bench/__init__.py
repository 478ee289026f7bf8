"""Benchmarks: each measures one part of newsqa from outside, writes JSON to bench/results/."""
