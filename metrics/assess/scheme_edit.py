"""Edit a scheme's weights and parameters, and save the result as a new scheme version.

Edits never touch a shipped file: a saved version goes to data/schemes/custom/NAME-vN.toml,
created exclusively (an existing file is never overwritten), validated by the same parser that
loads schemes, and stamped with name, version, author, time and note.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
from pathlib import Path

import tomli_w

from metrics.assess.schemes import SCHEMES_DIR, Scheme, SchemeError, parse_scheme

CUSTOM_DIR = SCHEMES_DIR / "custom"
CUSTOM_ENV = "GRIDSCORE_CUSTOM_SCHEMES"
DIGITS = 4


def custom_dir() -> Path:
    """Where saved versions go: ``$GRIDSCORE_CUSTOM_SCHEMES``, else data/schemes/custom/."""
    return Path(os.environ.get(CUSTOM_ENV) or CUSTOM_DIR)


def rebalance(weights: dict[str, float], changed: str, value: float) -> dict[str, float]:
    """Set one weight and rescale the others proportionally so that all sum to exactly 1.

    ``value`` is clipped to [0, 1]; when the others are all zero they share the rest equally.
    Weights are rounded to 4 decimals, the rounding remainder going to the largest other weight.
    """
    value = round(min(1.0, max(0.0, float(value))), DIGITS)
    others = [k for k in weights if k != changed]
    if not others:
        return {changed: 1.0}
    rest = 1.0 - value
    total = math.fsum(weights[k] for k in others)
    out = {k: round(rest * weights[k] / total if total > 0 else rest / len(others), DIGITS) for k in others}
    largest = max(others, key=lambda k: (out[k], k))
    out[largest] = round(rest - math.fsum(out[k] for k in others if k != largest), DIGITS)
    out[changed] = value
    return {k: out[k] for k in weights}


def with_params(scheme: Scheme, weights: dict[str, float] | None = None, basic_credit: float | None = None,
                min_n: int | None = None) -> Scheme:
    """The scheme with other weights / basic credit / minimum volume (not saved; for live re-ranking)."""
    indicators = scheme.indicators
    if weights:
        indicators = tuple(dataclasses.replace(i, weight=float(weights.get(i.metric, i.weight))) for i in indicators)
    return dataclasses.replace(
        scheme, indicators=indicators,
        basic_credit=scheme.basic_credit if basic_credit is None else float(basic_credit),
        min_volume=scheme.min_volume if min_n is None else dataclasses.replace(scheme.min_volume, n=int(min_n)),
    )


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def to_toml_dict(scheme: Scheme) -> dict[str, object]:
    """The scheme as the TOML document that :func:`parse_scheme` reads back to an equal scheme."""
    period = {"kind": scheme.period.kind}
    if scheme.period.kind == "window":
        period["start_day"] = scheme.period.start_day
    return {
        "name": scheme.name, "version": scheme.version, "title_zh": scheme.title_zh, "title_en": scheme.title_en,
        "author": scheme.author, "created": scheme.created, "note": scheme.note, "level": scheme.level,
        "period": period, "basic_credit": scheme.basic_credit,
        "min_volume": {"metric": scheme.min_volume.basis, "n": scheme.min_volume.n},
        "tie_break": scheme.tie_break, "red_list_n": scheme.red_list_n, "black_list_n": scheme.black_list_n,
        "exclusions": {"assessable_only": scheme.assessable_only},
        "indicators": [_drop_none({"metric": i.metric, "weight": i.weight, "method": i.method,
                                   "target": i.target, "cap": i.cap if i.method == "target" else None,
                                   "direction": i.direction})
                       for i in scheme.indicators],
        "bonus": [dataclasses.asdict(r) for r in scheme.bonus],
        "deductions": [dataclasses.asdict(r) for r in scheme.deductions],
        "grades": "quartiles" if scheme.grades_by == "quartiles" else [dataclasses.asdict(g) for g in scheme.grades],
        **({"require_all": True} if scheme.require_all else {}),
    }


def slug(text: str) -> str:
    """A file-safe scheme name: letters, digits, '-' and '_' (Chinese kept)."""
    cleaned = re.sub(r"[^\w\-]+", "-", text.strip(), flags=re.UNICODE).strip("-_")
    return cleaned[:60] or "scheme"


def next_version(name: str, directory: Path) -> int:
    found = [int(m[1]) for p in directory.glob(f"{name}-v*.toml") if (m := re.fullmatch(rf"{re.escape(name)}-v(\d+)", p.stem))]
    return max(found, default=0) + 1


def save_version(scheme: Scheme, name: str, author: str, note: str, directory: Path | None = None,
                 now: dt.datetime | None = None) -> Path:
    """Write the edited scheme as directory/NAME-vN.toml (N = next free version) and return the path.

    Raises SchemeError if the result does not validate or would land among the shipped schemes.
    """
    directory = Path(directory) if directory else custom_dir()
    if directory.resolve() == SCHEMES_DIR.resolve():
        raise SchemeError("saved schemes go to data/schemes/custom/, never over the shipped schemes")
    name = slug(name)
    if not author.strip():
        raise SchemeError("author: missing (who saves this version?)")
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    directory.mkdir(parents=True, exist_ok=True)
    note = f"{note.strip()}\n(based on {scheme.name} v{scheme.version})".strip()
    for _ in range(20):
        version = next_version(name, directory)
        doc = to_toml_dict(dataclasses.replace(scheme, name=name, version=str(version), author=author.strip(),
                                               created=stamp.isoformat(), note=note))
        path = directory / f"{name}-v{version}.toml"
        parse_scheme(doc, path.name)   # validate before writing
        doc["created"] = stamp         # written as a TOML datetime
        try:
            with open(path, "xb") as fh:
                fh.write(tomli_w.dumps(doc).encode("utf-8"))
            return path
        except FileExistsError:
            continue          # someone saved the same version at the same moment: take the next
    raise SchemeError(f"could not find a free version number for {name!r}")


def list_custom(directory: Path | None = None) -> list[Path]:
    """Saved scheme versions, newest file first."""
    directory = Path(directory) if directory else custom_dir()
    if not directory.exists():
        return []
    return sorted(directory.glob("*.toml"), key=lambda p: p.stat().st_mtime, reverse=True)
