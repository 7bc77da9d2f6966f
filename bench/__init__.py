"""Benchmarks (run as scripts: ``.venv/bin/python bench/commands.py``)."""
