"""The headless core: comments, label schema, annotation files, and what is computed from them.

Nothing in this package imports Textual or Rich; `tests/core/test_import_hygiene.py` enforces it.
"""
