"""The Data page renders in both languages, with and without a store, and lists imports."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.ingest import import_files
from tests.ingest_fixtures import build_tiny_store, write_hotline_csv

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "data.py")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_page_renders_with_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    write_hotline_csv(tmp_path / "a.csv", 50, "gbk")
    import_files(db, [tmp_path / "a.csv"])
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == ("数据管理" if lang == "zh" else "Data")
    history = at.dataframe[-1].value   # the history comes last, after the quality panel
    assert history["rows_read"].tolist() == [50]
    coverage = at.dataframe[0].value   # the quality panel's coverage table, all imports
    assert coverage.set_index("field")["rows_read"].eq(50).all() and "request_id" in set(coverage["field"])


def test_data_page_without_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSCORE_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception and at.info


def test_preview_and_rejects_csv_for_the_page(tmp_path: Path) -> None:
    from metrics.ingest.service import preview, rejects_csv

    db = build_tiny_store(tmp_path / "store.duckdb")
    path = tmp_path / "a.csv"
    write_hotline_csv(path, 30, "utf-8")
    with open(path, "a", encoding="utf-8") as f:
        f.write("X1,not a time,,,,,,,,,,,,,,,,\n")
    name, frame = preview(path, db, rows=100)
    assert name == "hotline-zh" and len(frame) == 31 and "received_at" in frame["reasons"].iloc[-1]
    [r] = import_files(db, [path])
    text = rejects_csv(db, r.import_id, "a.csv").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("file,row,reasons,工单编号") and "X1" in text


def test_preview_shows_only_the_first_rows_of_a_large_csv(tmp_path: Path) -> None:
    from metrics.ingest.service import preview

    path = tmp_path / "big.csv"
    lines = ["request_id,received_at", *(f"P{i},2026-10-01 08:00" for i in range(20_000))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, frame = preview(path, None, "gridscore", rows=20)
    assert len(frame) == 20
    assert list(frame["request_id"])[:2] == ["P0", "P1"]


def _data_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    db = build_tiny_store(tmp_path / "store.duckdb")
    write_hotline_csv(tmp_path / "a.csv", 20, "utf-8")
    import_files(db, [tmp_path / "a.csv"])
    import_files(db, [tmp_path / "a.csv"])   # a second snapshot: there is something to roll back to
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    return AppTest.from_file(PAGE, default_timeout=30)


def test_auth_off_refuses_upload_and_rollback_and_says_how_to_turn_auth_on(tmp_path, monkeypatch) -> None:
    at = _data_page(tmp_path, monkeypatch).run()
    assert not at.exception
    assert not at.get("file_uploader"), "anonymous visitors get no upload"
    assert "rollback" not in [b.key for b in at.button]
    assert any("gridscore.toml" in i.value and "metrics user add" in i.value for i in at.info)
    assert "rows_read" in at.dataframe[-1].value.columns, "the import history comes last: no audit log"
    assert not [b for b in at.button if b.key in ("import", "load_units", "load_boundaries", "save_preset")]


def test_admin_gets_upload_rollback_and_the_audit_log(tmp_path, monkeypatch) -> None:
    from metrics.core import audit
    from tests.auth_fixtures import local_auth, sign_in

    config = local_auth(tmp_path, monkeypatch, {"root": ("admin", None)})
    at = sign_in(_data_page(tmp_path, monkeypatch), "root", "admin").run()
    assert not at.exception and at.get("file_uploader")
    at.button(key="rollback").click().run()
    assert not at.exception and any("回退" in s.value for s in at.success)
    [entry] = audit.read(config.audit_log)
    assert (entry["who"], entry["action"], entry["role"]) == ("root", "rollback", "admin") and entry["restored"]
    assert at.dataframe[-1].value.iloc[0].tolist()[:3] == [entry["at"], "root", "rollback"]


@pytest.mark.parametrize("role", ["leader", "evaluator", "unit", "display"])
def test_no_other_role_gets_upload_or_rollback(tmp_path, monkeypatch, role) -> None:
    from tests.auth_fixtures import local_auth, sign_in

    local_auth(tmp_path, monkeypatch, {"x": (role, "D0S0" if role == "unit" else None)})
    at = sign_in(_data_page(tmp_path, monkeypatch), "x", role, "D0S0" if role == "unit" else None).run()
    assert not at.exception
    assert not at.get("file_uploader") and "rollback" not in [b.key for b in at.button]


def test_admin_upload_imports_audits_and_leaves_no_file_behind(tmp_path, monkeypatch) -> None:
    import tempfile

    from metrics.core import audit
    from tests.auth_fixtures import local_auth, sign_in

    config = local_auth(tmp_path, monkeypatch, {"root": ("admin", None)})
    db = build_tiny_store(tmp_path / "store.duckdb")
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    source = tmp_path / "upload.csv"
    write_hotline_csv(source, 10, "utf-8")
    with open(source, "a", encoding="utf-8") as f:
        f.write("X1,not a time,,=HYPERLINK(\"http://evil\"),请回电 139 1234 5678,,,,,,,,,,,,,\n")
    uploads = Path(tempfile.gettempdir()) / "gridscore-uploads"
    before = set(uploads.glob("*"))
    at = sign_in(AppTest.from_file(PAGE, default_timeout=60), "root", "admin").run()
    at.file_uploader[0].set_value(("upload.csv", source.read_bytes(), "text/csv")).run()
    assert not at.exception and at.selectbox, "the mapping table"
    at.button(key="dry_run").click().run()
    assert not at.exception and at.metric, "the dry run"
    at.button(key="import").click().run()
    assert not at.exception and any("新增 10" in s.value for s in at.success), [s.value for s in at.success]
    assert set(uploads.glob("*")) == before, "the upload is gone"
    at.run()
    assert not at.exception and set(uploads.glob("*")) == before, "a rerun does not write it again"
    [entry] = [e for e in audit.read(config.audit_log) if e["action"] == "import"]
    assert entry["who"] == "root" and entry["file"] == "upload.csv" and entry["rejected"] == 1
    from metrics.ingest.service import rejects_csv
    admin = rejects_csv(db, entry["import_id"], "upload.csv", personal=True).decode("utf-8-sig")
    masked = rejects_csv(db, entry["import_id"], "upload.csv").decode("utf-8-sig")
    assert "139 1234 5678" in admin and "139****5678" in masked and "1234 5678" not in masked
    assert '"\'=HYPERLINK(' in masked and '"\'=HYPERLINK(' in admin, "formula cells neutralised either way"
def test_quality_panel_shows_the_store_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    from metrics.query.quality import ALL, quality

    db = build_tiny_store(tmp_path / "store.duckdb")
    path = tmp_path / "a.csv"
    write_hotline_csv(path, 40, "utf-8")
    with open(path, "a", encoding="utf-8") as f:
        f.write("X1,not a time,,,,,,,,,,,,,,,,\nX2,NA,,,,,,,,,,,,,,,,\n")
    [r] = import_files(db, [path])
    con = duckdb.connect(str(db), read_only=True)
    q = quality(con)
    con.close()
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    timing, dups = q.for_import(ALL).timing.iloc[0], q.for_import(ALL).duplicates.iloc[0]
    assert metrics == {"Closed before received": f"{timing['closed_before_received']:,}",
                       "Contact before received": f"{timing['contact_before_received']:,}",
                       "Times in the future": f"{timing['future']:,}", "Over a year": f"{timing['over_a_year']:,}",
                       "Ids already stored": f"{dups['repeated_ids']:,}",
                       "Probable duplicates": f"{dups['probable_duplicates']:,}"}
    rejects = [d.value for d in at.dataframe if "reason" in d.value.columns][0]
    want = q.for_import(ALL).rejects.drop(columns="import_id")
    assert rejects.to_dict("list") == want.to_dict("list") and len(want) >= 2 and r.rejected == 2
    assert "source_column" not in at.dataframe[0].value.columns
    # one import's scope: its coverage names the source columns
    at.selectbox(key="quality.scope").set_value(r.import_id).run()
    coverage = at.dataframe[0].value.set_index("field")
    assert coverage.loc["received_at", "source_column"] == "受理时间" and (coverage["rows_read"] == 42).all()
