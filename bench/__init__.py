"""Throughput benchmarks (see README.md); not part of the installed application."""
