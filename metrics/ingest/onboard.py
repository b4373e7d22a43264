"""Onboarding a requests file from the Data page: its header and sample values, the guessed mapping,
a mapping edited column by column, and the edited mapping saved as a preset (TOML)."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import tomli_w

from metrics.ingest.importer import _resolve_mapping
from metrics.ingest.mapping import MAPPINGS_DIR, TARGETS, Mapping, MappingError, UnitMatch, custom_dir, load_mapping
from metrics.ingest.readers import detect_format, open_source
from metrics.ingest.staging import stage

SAMPLES = 3
REQUIRED = ("request_id", "received_at")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Sniff:
    """A file's format, header, a few distinct values per column, and the mapping chosen or guessed for it."""

    fmt: str
    header: list[str]
    samples: dict[str, list[str]]
    mapping: Mapping


def sniff(path: Path, mapping: str | Mapping | None = None, fmt: str | None = None, sheet: str | None = None,
          rows: int = 50) -> Sniff:
    """Read the first ``rows`` rows only; ``mapping`` None guesses the preset from the header."""
    fmt = detect_format(path, fmt)
    header, batches, _ = open_source(path, fmt, sheet, batch_rows=rows, fast=False)
    con = duckdb.connect()
    try:
        first = next(iter(batches), None)
        header, _ = stage(con, header, [first] if first is not None else [])
        samples = {}
        for column in header:
            values = con.execute(
                f'SELECT DISTINCT trim("{column.replace(chr(34), chr(34) * 2)}") AS v, min(_row) AS r FROM _stage '
                "WHERE nullif(trim(v), '') IS NOT NULL GROUP BY 1 ORDER BY r LIMIT $n", {"n": SAMPLES}).fetchall()
            samples[column] = [v for v, _ in values]
    finally:
        con.close()
    return Sniff(fmt, header, samples, _resolve_mapping(mapping, header, fmt))


def chosen_columns(mapping: Mapping, header: list[str]) -> dict[str, str | None]:
    """Our column -> the source column the mapping takes it from in this header (None: not in the file)."""
    return {t: mapping.source_for(t, header) for t in TARGETS}


def with_columns(mapping: Mapping, chosen: dict[str, str | None]) -> Mapping:
    """The mapping with our columns taken from the chosen source columns (None: not read from the file)."""
    columns = dict(mapping.columns)
    for target, source in chosen.items():
        if target not in TARGETS:
            raise MappingError(f"{target!r} is not one of our columns")
        if target in REQUIRED and not source:
            raise MappingError(f"{target}: every request needs it; choose the column that holds it")
        if source:
            columns[target] = (source,)
        else:
            columns.pop(target, None)
    return dataclasses.replace(mapping, columns=columns)


def _unit_document(match: UnitMatch) -> dict:
    doc: dict = {"match": match.by, "columns": list(match.columns)}
    if match.levels:
        doc["levels"] = list(match.levels)
    if match.create:
        doc["create"] = True
    if match.parent:
        doc["parent"] = match.parent
    return doc


def mapping_document(mapping: Mapping) -> dict:
    """The mapping as the TOML document :func:`metrics.ingest.mapping.load_mapping` reads back."""
    doc: dict = {"name": mapping.name}
    if mapping.description:
        doc["description"] = mapping.description
    if mapping.timezone:
        doc["timezone"] = mapping.timezone
    if mapping.timestamp_formats:
        doc["timestamp_formats"] = list(mapping.timestamp_formats)
    doc["null_values"] = list(mapping.null_values)
    doc["columns"] = {t: list(cols) for t, cols in mapping.columns.items()}
    if mapping.constants:
        doc["constants"] = dict(mapping.constants)
    if mapping.values:
        doc["values"] = {t: {str(k): v for k, v in table.items()} for t, table in mapping.values.items()}
    for key, match in (("unit", mapping.unit), ("dept", mapping.dept)):
        if match:
            doc[key] = _unit_document(match)
    return doc


def save_mapping(mapping: Mapping, name: str, directory: Path | None = None) -> Path:
    """Write the mapping as preset ``name`` into data/mappings/custom/ (never over a shipped preset)."""
    if not NAME_RE.match(name):
        raise MappingError(f"preset name {name!r}: letters, digits, '-' and '_' only, up to 64 characters")
    if (MAPPINGS_DIR / f"{name}.toml").exists():
        raise MappingError(f"preset name {name!r} is a shipped preset; choose another name")
    directory = Path(directory) if directory else custom_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(tomli_w.dumps(mapping_document(dataclasses.replace(mapping, name=name))), encoding="utf-8")
    load_mapping(path)   # what was written reads back
    return path
