"""The annotation files, `annotations/<annotator>.toml`, and how a change reaches them.

- `names`: where the files live and what an annotator may be called;
- `layout`: the file format, rendered and parsed (every rule of it is there);
- `columns`: the entries of a file read as columns (the parse cache's form), made on access;
- `changes`: a change as the fields it set, and the rules that merge changes field by field;
- `journal`: the write-ahead journal of changes, one line each;
- `durable`: atomic writes, fsynced appends, noticing a file changed by someone else;
- `file`: `AnnotationFile`, one annotator's labels in memory, committed to the journal and
  compacted into the file.
"""

from annotator.core.store.changes import FieldChange, apply, merge_entry, merge_topics, merge_values, same_labels
from annotator.core.store.durable import (
    ChangedOnDisk,
    DiskState,
    append_durably,
    atomic_write,
    remove_durably,
    remove_stale_temporaries,
)
from annotator.core.store.file import AnnotationFile, Reload, WritesPaused, check_folder, folder_problem
from annotator.core.store.journal import JOURNAL_SUFFIX, Record, journal_path, read_journal
from annotator.core.store.layout import (
    CONFLICT_KEY,
    FORMAT_VERSION,
    HEADER,
    MAX_FILE_MB,
    ParsedFile,
    StoreError,
    entry_table,
    max_file_bytes,
    parse_annotations,
    read_canonical,
)
from annotator.core.store.names import (
    ANNOTATIONS_DIR,
    GOLD,
    SUFFIX,
    annotation_path,
    annotator_name_problem,
    check_annotator_name,
    list_annotators,
    safe_annotator_name,
)

__all__ = [
    "ANNOTATIONS_DIR", "CONFLICT_KEY", "FORMAT_VERSION", "GOLD", "HEADER", "JOURNAL_SUFFIX", "MAX_FILE_MB", "SUFFIX",
    "AnnotationFile", "ChangedOnDisk", "DiskState", "FieldChange", "ParsedFile", "Record", "Reload", "StoreError",
    "WritesPaused", "annotation_path", "annotator_name_problem", "append_durably", "apply", "atomic_write",
    "check_annotator_name", "check_folder", "entry_table", "folder_problem", "journal_path", "list_annotators", "max_file_bytes",
    "merge_entry", "merge_topics", "merge_values", "parse_annotations", "read_canonical", "read_journal",
    "remove_durably", "remove_stale_temporaries", "safe_annotator_name", "same_labels",
]
