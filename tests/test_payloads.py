"""Hostile text through every page, for every role (AppTest over the real router, local auth).

The store holds Markdown / HTML payloads in every text column and in unit names, and personal
numbers spelled every way (tests/payload_fixtures.py). On every page each role may open:
- no Markdown element carries a payload unescaped (no link, emphasis, directive or tag can form);
- no chart carries a tag plotly would draw (<a href>, <b>) — they arrive as entities;
- no planted phone / ID / landline number appears anywhere, in any element or table, for every role
  but admin; the admin sees them (so the scan would find them).
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from metrics.present.common import PAGE_CREDIT
from metrics.core.auth import PAGES as ROLE_PAGES
from tests.auth_fixtures import local_auth, sign_in
from tests.payload_fixtures import FORMULA, PLANTED, build_payload_store

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN_TYPES = ("markdown", "caption", "alert", "toast")
# A payload still able to act in Markdown: its special character not escaped by a backslash.
RAW = re.compile(r"(?<!\\)\]\(https|(?<!\\)<(?:a |b>|img|script)|(?<!\\)\*(?<!\\)\*加粗|(?<!\\):red(?<!\\)\[")
ACCOUNTS = {"lead": ("leader", None), "eva": ("evaluator", None), "unit": ("unit", None), "wall": ("display", None),
            "root": ("admin", None)}


@pytest.fixture(scope="module")
def payload_store(demo_store, tmp_path_factory) -> Path:
    return build_payload_store(demo_store, tmp_path_factory.mktemp("payload") / "payload.duckdb")


@pytest.fixture(scope="module")
def payload_street(payload_store) -> str:
    import duckdb

    con = duckdb.connect(str(payload_store), read_only=True)
    street = con.execute("SELECT a.ancestor_id FROM requests r JOIN unit_ancestors a ON a.unit_id = r.unit_id "
                         "JOIN units u ON u.unit_id = a.ancestor_id WHERE r.request_id = 'PAYLOAD-0000' "
                         "AND u.level = 'street'").fetchone()[0]
    con.close()
    return street


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def texts(at: AppTest) -> tuple[str, list[str], list[str]]:
    """(everything the page sent, the bodies of its Markdown-rendered elements, its plotly specs)."""
    everything, markdown, charts = [], [], []
    for node in walk(at._tree):
        if node.type == "plotly_chart":
            charts.append(json.dumps(json.loads(node.proto.spec), ensure_ascii=False))
        proto = getattr(node, "proto", None)
        if node.type == "dataframe":
            everything.append(node.value.to_csv())
        elif proto is not None and not isinstance(proto, str):
            text = text_format.MessageToString(proto, as_utf8=True)
            everything.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text))
        if node.type in MARKDOWN_TYPES:
            markdown.append(str(node.value))
    return "\n".join(everything), markdown, charts


def planted_in(text: str) -> list[str]:
    """Planted numbers in ``text`` as a PII scanner reads it (full-width folded, separators dropped)."""
    folded = re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", text))
    return [n for n in PLANTED if n in folded]


def pages_of(name: str) -> list[str]:
    return list(ROLE_PAGES[ACCOUNTS[name][0]])


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_every_page_of_every_role_shows_data_as_text_and_masks_numbers(payload_store, payload_street, tmp_path,
                                                                        monkeypatch, name):
    monkeypatch.setenv("GRIDSCORE_DB", str(payload_store))
    monkeypatch.setenv("GRIDSCORE_EXPORT_LOG", str(tmp_path / "exports.jsonl"))
    role, _ = ACCOUNTS[name]
    unit = payload_street if role == "unit" else None
    local_auth(tmp_path, monkeypatch, {name: (role, unit)})
    seen_numbers, pages_with_payload = set(), []
    for page in pages_of(name):
        at = sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=180), name, role, unit)
        at.query_params["period"] = "2026-09"
        at.run()
        if page != pages_of(name)[0]:
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, f"{name} {page}: {at.exception}"
        everything, markdown, charts = texts(at)
        for body in markdown:
            assert not RAW.search(body), f"{name} {page}: unescaped payload in {body[:200]!r}"
        for spec in charts:
            assert "<a href" not in spec and "<b>粗体" not in spec and "<img" not in spec, f"{name} {page}: a tag in a chart"
        if "evil.example" in everything:
            pages_with_payload.append(page)
        seen_numbers.update(planted_in(everything))
    assert pages_with_payload, "the payloads did reach the pages (else the test proves nothing)"
    if role == "admin":
        assert seen_numbers, "the admin sees personal data: the scan finds the planted numbers"
    else:
        assert not seen_numbers, f"{name} saw unmasked numbers: {seen_numbers}"


def _export_texts(con, viewer) -> tuple[dict[str, str], bytes]:
    """Every download a role can make on the pages, as text: the requests CSV and the scorecards."""
    import openpyxl
    from pypdf import PdfReader

    from metrics.assess.engine import scheme_period
    from metrics.assess.schemes import load_scheme
    from metrics.assess.scorecard_build import build_book
    from metrics.core.filters import Filters
    from metrics.core.periods import parse_period
    from metrics.export.writers import render
    from metrics.present.rows import rows_csv

    out = {"requests.csv": rows_csv(con, viewer, parse_period("2026-09"), Filters(), None, basic_credit=PAGE_CREDIT).decode("utf-8-sig")}
    scheme = load_scheme("beijing-3rates")
    book = build_book(con, viewer, scheme, scheme_period(scheme, "2026-09"), "street", generated_by="test")
    pdf = b""
    for fmt in ("xlsx", "csv", "pdf"):
        for name, blob in render(book, fmt, "zh").items():
            if fmt == "xlsx":
                sheets = openpyxl.load_workbook(io.BytesIO(blob), read_only=True)
                out[name] = "\n".join(str(c) for ws in sheets for row in ws.iter_rows(values_only=True) for c in row)
            elif fmt == "pdf":
                pdf = blob
                out[name] = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(blob)).pages)
            else:
                out[name] = blob.decode("utf-8-sig")
    return out, pdf


@pytest.mark.parametrize("role", ["leader", "evaluator", "unit", "admin"])
def test_every_download_and_export_masks_numbers_and_keeps_text_inert(payload_store, payload_street, role):
    import duckdb
    from pypdf import PdfReader

    from metrics.core.auth import User

    con = duckdb.connect(str(payload_store), read_only=True)
    try:
        files, pdf = _export_texts(con, User("x", role, payload_street if role == "unit" else None).viewer())
    finally:
        con.close()
    found = {name: planted_in(text) for name, text in files.items() if planted_in(text)}
    if role == "admin":
        assert "requests.csv" in found, "the admin's requests CSV holds the personal data (the scan works)"
    else:
        assert not found, found
    assert "[钓鱼链接](https://evil.example/login)" in files["requests.csv"], "the payload is in the download, as text"
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert "/Annots" not in page, "no link annotation in the PDF"
    cells = [c for row in csv.reader(io.StringIO(files["requests.csv"])) for c in row]
    assert "'" + FORMULA in cells and not [c for c in cells if c.startswith(("=", "+", "@"))]
