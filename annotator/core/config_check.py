"""Checking `annotator.toml` with pydantic: the tables as the file may write them, each value
checked, and every problem explained as `file: key.path: expected ...`. What passes becomes the
plain `Schema` of `annotator.core.schema`, which the rest of annotator uses.

Only a config not seen before is checked here (`annotator.core.config.parse_config` keeps what a
check gave in the parse cache), so most starts never import pydantic (some 50 ms).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from annotator.core.config_lines import key_line
from annotator.core.errors import AnnotatorError
from annotator.core.keymap import label_key_problem, parse_key
from annotator.core.schema import (
    CONFIG_FORMAT,
    LABEL_NAME_CHARS,
    AssignPlan,
    Label,
    ProjectTarget,
    Schema,
    keymap_of,
)
from annotator.core.store.names import GOLD, annotator_name_problem


def check_tables(data: dict[str, Any], source: str, text: str = "") -> Schema:
    """The schema the known tables of a config file give; `AnnotatorError` naming `source`, the
    line of each bad key in `text` (the file's), and what is wrong with it."""
    try:
        tables = ConfigTables.model_validate(data)
    except ValidationError as error:
        raise AnnotatorError(_explain(error, source, text)) from None
    return tables.schema()


class LabelTable(BaseModel):
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


class TargetTable(BaseModel):
    """The `[target]` table: the post every comment of the corpus replies to, shown above a
    comment that has no parent or context of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = Field(default=None, description="The post's title, shown in bold.")
    text: str | None = Field(default=None, description="The post's text.")
    url: str | None = Field(default=None, description="Where the post is.")

    @model_validator(mode="after")
    def _something(self) -> TargetTable:
        values = (self.title, self.text, self.url)
        if not any(value and value.strip() for value in values):
            raise ValueError("expected at least one of title, text and url, as a non-empty string")
        return self

class AssignTable(BaseModel):
    """`[assign]`: who labels what. Each comment goes to `overlap` different annotators, chosen by
    weighted rendezvous hashing of its id (`annotator.core.assign`); the calibration comments go to
    every annotator. Nothing per comment is stored: the plan and the ids decide."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    annotators: tuple[str, ...] = Field(min_length=1, description="The annotators who share the comments.")
    overlap: int = Field(default=1, description="How many different annotators label each comment (k).")
    calibration: int | tuple[str, ...] = Field(
        default=0, description="Comments everyone labels: the first N in seed order, or a list of comment ids."
    )
    weights: dict[str, Annotated[float, Strict()]] = Field(  # (a number: "0.5" is a mistake)
        default_factory=dict, description="An annotator's share relative to the others (default 1; 0.5: half time)."
    )
    salt: str = Field(default="", description="Changes the whole split; the same salt always gives the same one.")

    @field_validator("annotators")
    @classmethod
    def _names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        seen: set[str] = set()
        for name in names:
            problem = annotator_name_problem(name)
            if problem:
                raise ValueError(f"annotator name {name!r}: the name {problem}")
            if name == GOLD:
                raise ValueError("'gold' holds the adjudicated labels: it is not an annotator to assign comments to")
            if name in seen:
                raise ValueError(f"{name!r} is listed twice")
            seen.add(name)
        return names

    @field_validator("calibration", mode="before")
    @classmethod
    def _calibration(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
            if len(set(value)) != len(value):
                raise ValueError("a comment id is listed twice")
            return tuple(value)
        raise ValueError(
            f"expected a number of comments (the first N in seed order) or a list of comment ids, got {_shown(value)}"
        )

    @field_validator("overlap", mode="before")
    @classmethod
    def _overlap(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        raise ValueError(f"expected a whole number of annotators per comment, 1 or more, got {_shown(value)}")

    @model_validator(mode="after")
    def _consistent(self) -> AssignTable:
        if self.overlap > len(self.annotators):
            raise ValueError(
                f"overlap: {self.overlap} annotators per comment, but the plan lists only {len(self.annotators)} "
                "(add annotators or lower the overlap)"
            )
        for name, weight in self.weights.items():
            if name not in self.annotators:
                raise ValueError(f"weights.{name}: {name!r} is not in assign.annotators")
            if not (math.isfinite(weight) and weight > 0):
                raise ValueError(f"weights.{name}: expected a number above 0, got {weight!r}")
        return self



ASSIGN_KEYS = "annotators, overlap, calibration, weights and salt"


class ConfigTables(BaseModel):
    """The whole of `annotator.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    format: int = Field(default=CONFIG_FORMAT, strict=True)  # (TOML has integers: "1" is a mistake)
    guidelines: str = ""
    stance: tuple[LabelTable, ...] = Field(min_length=1)
    topic: tuple[LabelTable, ...] = ()
    auto_advance: bool = Field(strict=True,  # (TOML has true and false: "no" is a mistake, not a false)
        default=False, description="After a stance is chosen, move to the next unlabeled comment."
    )
    target: TargetTable | None = Field(
        default=None, description="The post all comments reply to, where the seeds give no target."
    )
    assign: AssignTable | None = Field(default=None, description="The team's plan: who labels which comments.")
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

    def schema(self) -> Schema:
        """The plain schema these tables give."""

        def labels(tables: tuple[LabelTable, ...]) -> tuple[Label, ...]:
            return tuple(Label(table.name, table.key, table.description) for table in tables)

        target, plan = self.target, self.assign
        return Schema(
            stance=labels(self.stance),
            topic=labels(self.topic),
            format=self.format,
            guidelines=self.guidelines,
            auto_advance=self.auto_advance,
            target=ProjectTarget(target.title, target.text, target.url) if target else None,
            assign=AssignPlan(plan.annotators, plan.overlap, plan.calibration, dict(plan.weights), plan.salt)
            if plan else None,
            keys=dict(self.keys),
        )

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value > CONFIG_FORMAT:
            raise ValueError(f"format {CONFIG_FORMAT} or lower (this file needs a newer annotator)")
        return value

    @model_validator(mode="after")
    def _unique(self) -> ConfigTables:
        try:
            keymap = keymap_of(self.keys)
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




def _explain(error: ValidationError, source: str, text: str = "") -> str:
    """One line per pydantic error: `file:line: key.path: expected ...` (the line where `text`
    has the key, or its table)."""
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
            known = {"target": "title, text and url", "assign": ASSIGN_KEYS}.get(item["loc"][0], "name, key and description")
            message = f"unknown key (expected {known})"
        elif item["type"] == "missing":
            message = "missing: this key is required"
        elif item["type"] == "model_type" and where == "target":
            message = "expected a [target] table of title, text and url"
        elif item["type"] == "float_type":  # (a weight: the one number that may have a fraction)
            message = "expected a number above 0"
        elif item["type"] == "too_short" and where == "stance":
            message = "expected at least one [[stance]] label"
        elif item["type"] == "too_short" and where == "assign.annotators":
            message = "expected at least one annotator's name"
        value = _shown(item.get("input"))
        if value and item["type"] not in {"missing", "value_error", "extra_forbidden"}:
            message += f", got {value}"
        # (a check of a whole table names the key in its message: `overlap: ...` in `assign`)
        path = [*item["loc"], *(_path_in(message) if item["type"] == "value_error" else [])]
        line = key_line(text, path) if text and path else None
        at = f"{source}:{line}" if line else source
        lines.append(f"{at}: {where or 'top level'}: {message}" if where else f"{at}: {message}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return ""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_NAMED = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?(?:\.([A-Za-z_]+))?: ")


def _path_in(message: str) -> list[str | int]:
    """The key a message begins with (`stance[1].key: ...`), as a path."""
    named = _NAMED.match(message)
    if named is None:
        return []
    table, index, key = named.groups()
    return [table, *([int(index)] if index else []), *([key] if key else [])]
