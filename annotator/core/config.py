"""The label schema, `annotator.toml`: stance labels, topics and guidelines, validated by pydantic.

Every error names the file, the key and what was expected. Unknown keys are warnings, not errors,
so a file written by a newer version still opens.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from annotator.core.errors import AnnotatorError, Problem
from annotator.core.keymap import DEFAULT_KEYMAP, Keymap, label_key_problem, parse_key

CONFIG_NAME = "annotator.toml"
CONFIG_FORMAT = 1
LABEL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class Label(BaseModel):
    """One choice an annotator can make: its name, its one-key shortcut and a one-line description."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Written to the annotation files; letters, digits, '-', '_', '.'.")
    key: str = Field(description="One character that chooses this label in the app.")
    description: str = Field(default="", description="One line shown in the editor and in help.")

    @field_validator("name")
    @classmethod
    def _name_is_plain(cls, name: str) -> str:
        if not name or not set(name) <= LABEL_NAME_CHARS:
            raise ValueError(
                f"a label name of letters, digits, '-', '_' or '.', got {name!r}"
            )
        return name

    @field_validator("key")
    @classmethod
    def _key_is_one_char(cls, key: str) -> str:
        problem = label_key_problem(key)
        if problem:
            raise ValueError(problem)
        return key

    @field_validator("description")
    @classmethod
    def _one_line(cls, text: str) -> str:
        if "\n" in text.strip():
            raise ValueError("a one-line description")
        return text.strip()


class ProjectTarget(BaseModel):
    """The `[target]` table: the post every comment of the corpus replies to, shown above a
    comment that has no parent or context of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = Field(default=None, description="The post's title, shown in bold.")
    text: str | None = Field(default=None, description="The post's text.")
    url: str | None = Field(default=None, description="Where the post is.")

    @model_validator(mode="after")
    def _something(self) -> ProjectTarget:
        values = (self.title, self.text, self.url)
        if not any(value and value.strip() for value in values):
            raise ValueError("expected at least one of title, text and url, as a non-empty string")
        return self


class Schema(BaseModel):
    """The whole of `annotator.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    format: int = CONFIG_FORMAT
    guidelines: str = ""
    stance: tuple[Label, ...] = Field(min_length=1)
    topic: tuple[Label, ...] = ()
    auto_advance: bool = Field(
        default=False, description="After a stance is chosen, move to the next unlabeled comment."
    )
    target: ProjectTarget | None = Field(
        default=None, description="The post all comments reply to, where the seeds give no target."
    )
    keys: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Other keys for the app's actions: action id -> a key or a list of keys."
    )

    @model_validator(mode="before")
    @classmethod
    def _keys_are_keys(cls, data: Any) -> Any:
        """`[keys]` values as Textual key names: a key or a list of keys for each action."""
        table = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(table, dict):
            return data  # absent, or not a table: pydantic says what was expected
        keys: dict[str, tuple[str, ...]] = {}
        for action_id, value in table.items():
            written = [value] if isinstance(value, str) else value
            if not isinstance(written, list) or not written or not all(isinstance(key, str) for key in written):
                raise ValueError(f"keys.{action_id}: a key or a list of keys, such as \"n\" or [\"n\", \"down\"]")
            try:
                keys[action_id] = tuple(dict.fromkeys(parse_key(key) for key in written))
            except ValueError as error:
                raise ValueError(f"keys.{action_id}: {error}") from None
        return {**data, "keys": keys}

    @property
    def keymap(self) -> Keymap:
        """The app's keys: the defaults, with `[keys]` applied (checked when the file was read)."""
        return Keymap.with_changes(self.keys) if self.keys else DEFAULT_KEYMAP

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value > CONFIG_FORMAT:
            raise ValueError(f"format {CONFIG_FORMAT} or lower (this file needs a newer annotator)")
        return value

    @model_validator(mode="after")
    def _unique(self) -> Schema:
        try:
            keymap = self.keymap
        except ValueError as error:
            raise ValueError(f"keys.{error}") from None
        seen_names: dict[str, str] = {}
        seen_keys: dict[str, str] = {}
        for group in ("stance", "topic"):
            for index, label in enumerate(getattr(self, group)):
                where = f"{group}[{index}]"
                problem = keymap.label_key_problem(label.key)
                if problem:
                    raise ValueError(f"{where}.key: {problem}")
                if label.name in seen_names:
                    raise ValueError(
                        f"{where}.name: {label.name!r} is already used by {seen_names[label.name]}"
                    )
                if label.key in seen_keys:
                    raise ValueError(
                        f"{where}.key: {label.key!r} is already the key of {seen_keys[label.key]}"
                    )
                seen_names[label.name] = where
                seen_keys[label.key] = where
        return self

    @property
    def stance_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.stance)

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.topic)


@dataclass(frozen=True, slots=True)
class LoadedSchema:
    """A schema, the file it came from (None: the defaults) and what was noticed reading it."""

    schema: Schema
    path: Path | None
    warnings: tuple[Problem, ...] = ()


def default_config_text() -> str:
    """The schema shipped for the bundled comments (also the repository's `annotator.toml`)."""
    return resources.files("annotator.core").joinpath("default_config.toml").read_text("utf-8")


def parse_config(text: str, source: str) -> tuple[Schema, list[Problem]]:
    """Validate the text of a config file; raise `AnnotatorError` naming `source` and the key.
    A byte-order mark at the start is allowed, as in seeds and annotation files."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        raise AnnotatorError(
            f"{source}: not valid TOML: {error}", hint="fix the file, or delete it to use the defaults"
        ) from None
    warnings = [
        Problem(source, None, f"unknown key {key!r} ignored", warning=True)
        for key in sorted(data)
        if key not in Schema.model_fields
    ]
    known = {key: value for key, value in data.items() if key in Schema.model_fields}
    try:
        return Schema.model_validate(known), warnings
    except ValidationError as error:
        raise AnnotatorError(_explain(error, source)) from None


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


def _explain(error: ValidationError, source: str) -> str:
    """One line per pydantic error: `file: key.path: expected ...`."""
    lines = []
    items = error.errors()
    for item in items:
        if item["type"] == "too_short" and any(
            other["loc"][: len(item["loc"])] == item["loc"] and len(other["loc"]) > len(item["loc"]) for other in items
        ):
            continue  # pydantic counts only the valid items: the bad item's own error says it all
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"]
        ).lstrip(".")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            known = "title, text and url" if item["loc"][0] == "target" else "name, key and description"
            message = f"unknown key (expected {known})"
        elif item["type"] == "missing":
            message = "missing: this key is required"
        elif item["type"] == "model_type" and where == "target":
            message = "expected a [target] table of title, text and url"
        elif item["type"] == "too_short" and where == "stance":
            message = "expected at least one [[stance]] label"
        value = _shown(item.get("input"))
        if value and item["type"] not in {"missing", "value_error", "extra_forbidden"}:
            message += f", got {value}"
        lines.append(f"{source}: {where or 'top level'}: {message}" if where else f"{source}: {message}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return ""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
