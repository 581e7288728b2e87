"""The Textual app: a thin layer over `annotator.core` that draws the session and turns keys into calls."""
