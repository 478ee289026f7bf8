"""Offline evaluation: retrieval and answer metrics, reports with plots, run-versus-run."""
