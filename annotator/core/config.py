"""The label schema, `annotator.toml`: stance labels, topics and guidelines, and the team's
assignment plan (`[assign]`), as plain frozen objects.

A config is checked by `annotator.core.config_check` (pydantic) the first time it is seen:
every error names the file, the key and what was expected. What a check gives is kept in the
parse cache (`annotator.core.cache`), named by the file's text, so a start with a known config
builds the schema from that and never imports pydantic. Unknown keys are warnings, not errors,
so a file written by a newer version still opens.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from annotator.core import cache
from annotator.core.config_lines import key_line
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.schema import SCHEMA_KEYS, AssignPlan, Label, ProjectTarget, Schema

__all__ = ["CONFIG_NAME", "AssignPlan", "Label", "LoadedSchema", "ProjectTarget", "Schema", "default_config_text",
           "load_config", "parse_config"]  # (the schema's classes are `annotator.core.schema`'s, named here too)

CONFIG_NAME = "annotator.toml"
@dataclass(frozen=True, slots=True)
class LoadedSchema:
    """A schema, the file it came from (None: the defaults) and what was noticed reading it."""

    schema: Schema
    path: Path | None
    warnings: tuple[Problem, ...] = ()


# The parse cache's kind for a checked config: a new one whenever the check gives another result
# for the same text (2: `auto_advance` and `format` strict; 3: `assign.weights` numbers), so that no project keeps a config the
# check now refuses, and the seeds' and labels' entries stay.
CONFIG_KIND = "config-3"


def default_config_text() -> str:
    """The schema shipped for the bundled comments (also the repository's `annotator.toml`)."""
    return resources.files("annotator.core").joinpath("default_config.toml").read_text("utf-8")


def parse_config(text: str, source: str) -> tuple[Schema, list[Problem]]:
    """Validate the text of a config file; raise `AnnotatorError` naming `source` and the key.
    A byte-order mark at the start is allowed, as in seeds and annotation files."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as error:  # (ValueError: an integer of over
        # 4,300 digits; RecursionError: arrays in arrays, thousands deep)
        reason = "arrays or tables nested too deeply to read" if isinstance(error, RecursionError) else error
        raise AnnotatorError(
            f"{source}: not valid TOML: {reason}", hint="fix the file, or delete it to use the defaults"
        ) from None
    text = text.removeprefix("\ufeff")
    warnings = [
        Problem(source, key_line(text, [key]), f"unknown key {key!r} ignored", warning=True)
        for key in sorted(data) if key not in SCHEMA_KEYS
    ]
    where = cache.key(CONFIG_KIND, text.encode("utf-8", "surrogatepass"))
    schema = _from_plain(cache.load(where))
    if schema is None:
        from annotator.core.config_check import check_tables

        schema = check_tables({key: value for key, value in data.items() if key in SCHEMA_KEYS}, source, text)
        cache.save(where, _plain(schema))
    return schema, warnings


def load_config(root: Path) -> LoadedSchema:
    """Read `annotator.toml` under `root`; with no such file, the defaults and a warning."""
    path = root / CONFIG_NAME
    if not path.exists():
        schema, _ = parse_config(default_config_text(), "default config")
        notice = Problem(
            CONFIG_NAME, None, "not found: using the default labels", warning=True
        )
        return LoadedSchema(schema, None, (notice,))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotatorError(f"{CONFIG_NAME}: cannot be read: {error}") from None
    schema, warnings = parse_config(text, CONFIG_NAME)
    return LoadedSchema(schema, path, tuple(warnings))


# The schema in the parse cache: plain lists, as `marshal` keeps them ------------------------


def _plain(schema: Schema) -> list[Any]:
    target, plan = schema.target, schema.assign
    return [
        schema.format,
        schema.guidelines,
        [[label.name, label.key, label.description] for label in schema.stance],
        [[label.name, label.key, label.description] for label in schema.topic],
        schema.auto_advance,
        None if target is None else [target.title, target.text, target.url],
        None if plan is None else [list(plan.annotators), plan.overlap,
                                   plan.calibration if isinstance(plan.calibration, int) else list(plan.calibration),
                                   dict(plan.weights), plan.salt],
        {action: list(keys) for action, keys in schema.keys.items()},
    ]


def _from_plain(value: Any) -> Schema | None:
    """The schema `_plain` gave, or None when `value` is not such a thing (a damaged entry: the
    file is checked again)."""
    try:
        fmt, guidelines, stance, topic, auto_advance, target, plan, keys = value
        schema = Schema(
            stance=tuple(Label(*_strings(label, 3)) for label in stance),
            topic=tuple(Label(*_strings(label, 3)) for label in topic),
            format=_typed(fmt, int),
            guidelines=_typed(guidelines, str),
            auto_advance=_typed(auto_advance, bool),
            target=None if target is None else ProjectTarget(*_optional_strings(target, 3)),
            assign=None if plan is None else _plan(plan),
            keys={_typed(action, str): tuple(_strings(written, len(written))) for action, written in keys.items()},
        )
    except (TypeError, ValueError, AttributeError):
        return None
    return schema if schema.stance else None


def _plan(value: Any) -> AssignPlan:
    annotators, overlap, calibration, weights, salt = value
    if not isinstance(calibration, int):
        calibration = tuple(_strings(calibration, len(calibration)))
    if not all(isinstance(name, str) and isinstance(weight, float) for name, weight in weights.items()):
        raise TypeError("weights")
    return AssignPlan(tuple(_strings(annotators, len(annotators))), _typed(overlap, int), calibration, weights,
                      _typed(salt, str))


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise TypeError(kind.__name__)
    return value


def _strings(values: Any, count: int) -> list[str]:
    if not isinstance(values, list) or len(values) != count or not all(type(item) is str for item in values):
        raise TypeError("strings")
    return values


def _optional_strings(values: Any, count: int) -> list[str | None]:
    if not isinstance(values, list) or len(values) != count or not all(item is None or type(item) is str
                                                                       for item in values):
        raise TypeError("strings")
    return values
