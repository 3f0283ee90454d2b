"""Benchmarks and data generators (see bench/README.md); never imported by the app."""
