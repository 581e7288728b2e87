"""The label schema as the rest of annotator sees it: plain frozen objects, made from a checked
`annotator.toml` (`annotator.core.config`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from annotator.core.keymap import DEFAULT_KEYMAP, Keymap

CONFIG_FORMAT = 1
LABEL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True, slots=True)
class Label:
    """One choice an annotator can make: its name, its one-key shortcut and a one-line description."""

    name: str
    key: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProjectTarget:
    """The `[target]` table: the post every comment of the corpus replies to, shown above a
    comment that has no parent or context of its own."""

    title: str | None = None
    text: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class AssignPlan:
    """`[assign]`: who labels what. Each comment goes to `overlap` different annotators, chosen by
    weighted rendezvous hashing of its id (`annotator.core.assign`); the calibration comments go to
    every annotator. Nothing per comment is stored: the plan and the ids decide."""

    annotators: tuple[str, ...]
    overlap: int = 1
    calibration: int | tuple[str, ...] = 0  # the first N comments, or these ids
    weights: Mapping[str, float] = field(default_factory=dict)  # default 1; 0.5: half time
    salt: str = ""

    def weight(self, name: str) -> float:
        return self.weights.get(name, 1.0)

    @property
    def calibration_count(self) -> int | None:
        """N when the calibration set is the first N comments; None when it is a list of ids."""
        return self.calibration if isinstance(self.calibration, int) else None


@dataclass(frozen=True, slots=True)
class Schema:
    """The whole of `annotator.toml`."""

    stance: tuple[Label, ...]
    topic: tuple[Label, ...] = ()
    format: int = CONFIG_FORMAT
    guidelines: str = ""
    auto_advance: bool = False  # after a stance is chosen, move to the next unlabeled comment
    target: ProjectTarget | None = None  # the post all comments reply to, where the seeds give none
    assign: AssignPlan | None = None
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # action id -> other keys

    @property
    def keymap(self) -> Keymap:
        """The app's keys: the defaults, with `[keys]` applied (checked when the file was read)."""
        return keymap_of(self.keys)

    @property
    def stance_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.stance)

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.topic)


SCHEMA_KEYS = frozenset(item.name for item in fields(Schema))


def keymap_of(keys: Mapping[str, tuple[str, ...]]) -> Keymap:
    """The defaults with `keys` (a `[keys]` table) applied; `ValueError` when they clash."""
    return Keymap.with_changes(keys) if keys else DEFAULT_KEYMAP


