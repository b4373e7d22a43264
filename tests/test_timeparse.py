"""Timestamps in the shapes real exports use, to local wall-clock time in the store's zone."""
from __future__ import annotations

import datetime as dt

import pytest

from metrics.ingest.timeparse import parse_timestamps

T = dt.datetime(2026, 11, 22, 13, 5)
CASES = [
    ("2026-11-22T13:05:00", T), ("2026/11/22 13:05", T), ("2026-11-22 13:05:00", T),
    ("2026年11月22日 13时05分", T), ("11/22/2026 01:05:00 PM", T), ("2026-11-22T05:05:00Z", T),
    ("2026-11-22T13:05:00+08:00", T), ("2026-11-22T00:05:00-05:00", T), ("2026-11-22 13:05:00 +0800", T),
    ("20261122130500", T), ("2026-11-22 13:05:00.987", T), ("2026/1/5 8:05", dt.datetime(2026, 1, 5, 8, 5)),
    ("2026年11月22日", dt.datetime(2026, 11, 22)), ("46348.5", dt.datetime(2026, 11, 22, 12)),
    ("46348", dt.datetime(2026, 11, 22)), ("  2026-11-22 13:05  ", T),
    ("2026-02-30 10:00", None), ("25:61", None), ("garbage", None), ("", None), (None, None),
    ("99999999999", None),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_shapes(text: str | None, expected: dt.datetime | None) -> None:
    assert parse_timestamps([text])[0] == expected


def test_zone_is_configurable_and_naive_values_stay_wall_clock() -> None:
    got = parse_timestamps(["2026-11-22T05:05:00Z", "2026-11-22 13:05"], tz="America/New_York")
    assert got == [dt.datetime(2026, 11, 22, 0, 5), T]


def test_mapping_formats_come_first() -> None:
    assert parse_timestamps(["22.11.2026 13:05"], formats=("%d.%m.%Y %H:%M",)) == [T]
