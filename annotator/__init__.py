"""annotator: label discussion comments from the keyboard, with the labels kept in git."""

__version__ = "0.1.0"
