"""Column-mapping presets: how a source export's columns and values become ours.

A mapping is a TOML file in data/mappings/ (or any path). It names, for each of our columns,
the source column(s) holding it, the vocabulary that translates source values, extra
timestamp formats, constants, and how units are matched (by id, or by name within the parent).
See data/mappings/hotline-zh.toml for a commented example.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from metrics.core.levels import LEVELS, TERRITORIAL

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "data" / "mappings"
CUSTOM_ENV = "GRIDSCORE_CUSTOM_MAPPINGS"

TEXT = ("channel", "category", "subcategory", "description", "address", "citizen_name",
        "citizen_phone", "status_detail", "exclusion_reason")
TIMESTAMPS = ("received_at", "respond_by", "resolve_by", "first_contact_at", "closed_at",
              "visited_at", "updated_at")
BOOLEANS = ("extended", "is_repeat", "assessable", "visited", "contacted", "resolved")
ENUMS: dict[str, tuple[str, ...]] = {
    "source": ("citizen", "proactive"),
    "urgency": ("urgent", "normal"),
    "status": ("open", "closed"),
    "satisfaction": ("satisfied", "basic", "unsatisfied"),
}
INTEGERS = ("returned_count",)
NUMBERS = ("lat", "lon")
UNIT_IDS = ("unit_id", "dept_id")
# visited_at / updated_at are not stored: they derive visited and (for closed requests) closed_at.
PSEUDO = ("visited_at", "updated_at")
TARGETS = ("request_id",) + TEXT + TIMESTAMPS + BOOLEANS + tuple(ENUMS) + INTEGERS + NUMBERS + UNIT_IDS

BOOL_WORDS: dict[str, bool] = {
    "true": True, "false": False, "t": True, "f": False, "1": True, "0": False,
    "yes": True, "no": False, "y": True, "n": False, "是": True, "否": False,
}
# Read as empty in every column unless a mapping's ``null_values`` replaces the list (compared
# ignoring case and surrounding spaces; blanks are always empty).
DEFAULT_NULLS = ("NA", "N/A", "NULL", "None", "NaN", "-", "无", "空")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class UnitMatch:
    """How a request's unit (or department) is found: ``by`` = "id" or "name".

    For "name", ``columns`` are one per level, top level first, each name matched among the
    children of the unit matched above it (the first among units of ``levels[0]``, if given).
    """

    by: str
    columns: tuple[str, ...]
    levels: tuple[str, ...] = ()
    create: bool = False          # create the names (or ids) no unit has yet
    parent: str | None = None     # unit_id under which the top level is created (default: the city)


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str = ""
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)   # ours -> source alternatives
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # ours -> {source value: ours}
    constants: dict[str, object] = field(default_factory=dict)
    timestamp_formats: tuple[str, ...] = ()
    timezone: str | None = None
    unit: UnitMatch | None = None
    dept: UnitMatch | None = None
    null_values: tuple[str, ...] = DEFAULT_NULLS

    def null_keys(self) -> list[str]:
        """The empty markers as compared: lower case, trimmed, blank included."""
        return sorted({"", *(v.strip().lower() for v in self.null_values)})

    def source_for(self, target: str, header: list[str]) -> str | None:
        """The first of the target's source columns present in header (exact, then case-insensitive)."""
        for candidate in self.columns.get(target, ()):
            if candidate in header:
                return candidate
        lowered = {h.strip().lower(): h for h in header}
        for candidate in self.columns.get(target, ()):
            if candidate.strip().lower() in lowered:
                return lowered[candidate.strip().lower()]
        return None

    def vocabulary(self, target: str) -> dict[str, object]:
        """Source value -> our value for an enum or boolean column (our own values always accepted)."""
        vocab: dict[str, object] = {}
        if target in BOOLEANS:
            vocab.update(BOOL_WORDS)
        elif target in ENUMS:
            vocab.update({v: v for v in ENUMS[target]})
        vocab.update({str(k).strip().lower(): v for k, v in self.values.get(target, {}).items()})
        return vocab


def custom_dir() -> Path:
    """Where presets saved from the Data page go: ``$GRIDSCORE_CUSTOM_MAPPINGS``, else data/mappings/custom/."""
    return Path(os.environ.get(CUSTOM_ENV) or MAPPINGS_DIR / "custom")


def available() -> list[str]:
    """Names of the presets in data/mappings/, then the saved ones (data/mappings/custom/) not shadowing them."""
    shipped = sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml"))
    saved = sorted(p.stem for p in custom_dir().glob("*.toml") if p.stem not in shipped)
    return shipped + saved


def load_mapping(name_or_path: str | Path) -> Mapping:
    """A preset by name (``hotline-zh``; shipped, else saved) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = MAPPINGS_DIR / f"{name_or_path}.toml"
        if not path.exists():
            path = custom_dir() / f"{name_or_path}.toml"
    if not path.exists():
        raise MappingError(f"no mapping {name_or_path!r}: not a file, and presets are {', '.join(available())}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: {exc}") from exc
    return parse_mapping(data, default_name=path.stem, where=str(path))


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MappingError(f"{where}: expected a column name or a list of names, got {value!r}")


def _unit_match(data: object, where: str) -> UnitMatch | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise MappingError(f"{where}: expected a table")
    by = data.get("match", "id")
    if by not in ("id", "name"):
        raise MappingError(f"{where}.match: 'id' or 'name', got {by!r}")
    columns = _strings(data.get("columns", data.get("column")), f"{where}.columns")
    levels = tuple(data.get("levels", ()))
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad or (levels and len(levels) != len(columns)):
        raise MappingError(f"{where}.levels: one of {TERRITORIAL} per column, got {list(levels)}")
    if by == "id" and len(columns) != 1:
        raise MappingError(f"{where}: match = 'id' takes exactly one column")
    create = data.get("create", False)
    if not isinstance(create, bool):
        raise MappingError(f"{where}.create: true or false, got {create!r}")
    if create and by == "name" and len(levels) != len(columns):
        raise MappingError(f"{where}: create = true needs levels = [...], one per column, to give new units a level")
    parent = data.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise MappingError(f"{where}.parent: a unit_id, got {parent!r}")
    return UnitMatch(by, columns, levels, create, parent)


def parse_mapping(data: dict, default_name: str = "custom", where: str = "mapping") -> Mapping:
    columns = {}
    for target, source in data.get("columns", {}).items():
        if target not in TARGETS:
            raise MappingError(f"{where}: [columns] {target!r} is not one of our columns ({', '.join(TARGETS)})")
        columns[target] = _strings(source, f"{where}: [columns] {target}")
    values = {}
    for target, table in data.get("values", {}).items():
        if target not in TARGETS or not isinstance(table, dict):
            raise MappingError(f"{where}: [values.{target}] must be a table for one of our columns")
        if target not in (*BOOLEANS, *ENUMS, *TEXT):
            raise MappingError(f"{where}: [values.{target}] translates only vocabulary and text columns; "
                               f"to read a marker such as 'NA' as empty, list it in null_values = [...]")
        allowed = ENUMS.get(target)
        for src, ours in table.items():
            if allowed and ours not in allowed:
                raise MappingError(f"{where}: [values.{target}] {src!r} = {ours!r}, expected one of {allowed}")
            if target in BOOLEANS and not isinstance(ours, bool):
                raise MappingError(f"{where}: [values.{target}] {src!r} must map to true or false")
        values[target] = dict(table)
    constants = dict(data.get("constants", {}))
    for target in constants:
        if target not in TARGETS:
            raise MappingError(f"{where}: [constants] {target!r} is not one of our columns")
    unit = _unit_match(data.get("unit"), f"{where}: [unit]")
    if unit and unit.create and not unit.levels:
        raise MappingError(f"{where}: [unit] create = true needs levels = [...]: the level of the units it creates")
    nulls = data.get("null_values", DEFAULT_NULLS)
    if not isinstance(nulls, list | tuple) or not all(isinstance(v, str) for v in nulls):
        raise MappingError(f"{where}: null_values must be a list of strings, got {nulls!r}")
    if "request_id" not in columns or "received_at" not in columns:
        raise MappingError(f"{where}: [columns] must name request_id and received_at")
    return Mapping(
        name=str(data.get("name", default_name)),
        description=str(data.get("description", "")),
        columns=columns,
        values=values,
        constants=constants,
        timestamp_formats=tuple(data.get("timestamp_formats", ())),
        timezone=data.get("timezone"),
        unit=unit,
        dept=_unit_match(data.get("dept"), f"{where}: [dept]"),
        null_values=tuple(nulls),
    )
