"""Tools to see where a key's time goes (not part of `python -m benchmarks`); see `keys.py`."""
