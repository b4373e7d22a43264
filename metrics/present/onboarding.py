"""What the Data page shows while a requests file is onboarded: the mapping as a table (our field,
the source column, sample values) and a dry run's outcome per row (accepted / rejected / unplaced,
with the reasons), from plain values: nothing here reads a file or writes the store."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.core.i18n import STRINGS, t

# the fields shown first, in this order; the others go under "more fields"
MAIN_FIELDS = ("request_id", "received_at", "closed_at", "status", "category", "subcategory", "channel",
               "resolve_by", "respond_by", "first_contact_at", "address", "lat", "lon",
               "contacted", "resolved", "satisfaction", "unit_id", "dept_id")
PLACED = ("point", "named")
OUTCOMES = ("accepted", "rejected", "unplaced")


def field_label(field: str, lang: str) -> str:
    """``received_at · 受理时间``: our column and its name in the language, when it has one."""
    key = f"col.{field}"
    return f"{field} · {t(key, lang)}" if key in STRINGS else field


def split_fields(targets: tuple[str, ...], chosen: dict[str, str | None]) -> tuple[list[str], list[str]]:
    """(the main fields and any other field the mapping reads, the rest)."""
    first = [f for f in MAIN_FIELDS if f in targets] + [f for f in targets if f not in MAIN_FIELDS and chosen.get(f)]
    return first, [f for f in targets if f not in first]


def samples_text(samples: dict[str, list[str]], column: str | None, width: int = 40) -> str:
    """A few values of the column, shortened, `` · ``-joined ("" for no column)."""
    if not column:
        return ""
    return " · ".join(v if len(v) <= width else v[: width - 1] + "…" for v in samples.get(column, []))


def mapping_table(fields: list[str], chosen: dict[str, str | None], samples: dict[str, list[str]]) -> pd.DataFrame:
    """One row per field: field, source_column ("" when not read), samples."""
    return pd.DataFrame({"field": fields, "source_column": [chosen.get(f) or "" for f in fields],
                         "samples": [samples_text(samples, chosen.get(f)) for f in fields]})


@dataclass(frozen=True)
class DryRun:
    rows: int
    accepted: int
    rejected: int
    unplaced: int
    detail: pd.DataFrame    # row, request_id, outcome, location_status, reasons (rejected and unplaced rows)


def outcome(reasons: str, location_status: str | None) -> str:
    if reasons:
        return "rejected"
    return "accepted" if location_status in PLACED else "unplaced"


def dry_run(preview: pd.DataFrame) -> DryRun:
    """Count and explain the preview's rows: rejected (has reasons), unplaced (kept, not placed in a
    unit: counted on the city), accepted; the detail gives reasons, or warnings for unplaced rows."""
    reasons = preview["reasons"].fillna("").astype(str)
    warnings = preview["warnings"].fillna("").astype(str)
    status = preview["location_status"].astype(object).where(preview["location_status"].notna(), None)
    outcomes = [outcome(r, s) for r, s in zip(reasons, status)]
    why = [r if o == "rejected" else (w or s or "") for o, r, w, s in zip(outcomes, reasons, warnings, status)]
    frame = pd.DataFrame({"row": preview["row"], "request_id": preview["request_id"], "outcome": outcomes,
                          "location_status": status, "reasons": why})
    detail = frame[frame["outcome"] != "accepted"].reset_index(drop=True)
    counts = frame["outcome"].value_counts()
    return DryRun(len(frame), *(int(counts.get(o, 0)) for o in OUTCOMES), detail)
