"""The names a user knows the fields of an entry by (`flagged` is the flag)."""

FIELD_NAMES = {"stance": "stance", "topics": "topics", "note": "note", "flagged": "flag"}
