"""Personal data masked everywhere it leaves the query layer (DESIGN §7): the masking functions, the
drill-down rows and their CSV, and the /requests page — phones written with spaces or dashes and
18-digit ID numbers (with a trailing X) included. Each check requires the masked form, not just
the absence of the raw one."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.filters import Filters
from metrics.core.masking import mask_frame, mask_phone, mask_text
from metrics.core.periods import parse_period
from metrics.present.rows import rows_csv
from metrics.query.detail import drill_rows
from metrics.store.snapshots import after_write, write_snapshot
from tests import fixtures_requests as fx

ROOT = Path(__file__).resolve().parent.parent
OCTOBER = parse_period("2026-10")
ADMIN = Viewer("admin", None, may_see_personal=True)

# (raw citizen_phone, raw description) -> (masked phone, masked description)
CASES = {
    "M1": (("138 1234 5678", "请回电 139 8765 4321，身份证 11010119900307123X"),
           ("138****5678", "请回电 139****4321，身份证 110101********123X")),
    "M2": (("138-1234-5678", "电话139-8765-4321，证件号110101199003071234。"),
           ("138****5678", "电话139****4321，证件号110101********1234。")),
    "M3": (("13812345678", "身份证号 44030419851231002x 电话 13987654321"),
           ("138****5678", "身份证号 440304********002x 电话 139****4321")),
}
RAW_NUMBERS = ("12345678", "1234 5678", "1234-5678", "87654321", "8765 4321", "8765-4321",
               "19900307", "19851231")


@pytest.mark.parametrize(("raw", "masked"), [
    ("138 1234 5678", "138****5678"), ("138-1234-5678", "138****5678"), ("13812345678", "138****5678"),
])
def test_mask_phone_spaces_and_dashes(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("打138 1234 5678找我", "打138****5678找我"),
    ("打138-1234-5678找我", "打138****5678找我"),
    ("两个号13812345678和139 8765 4321", "两个号138****5678和139****4321"),
    ("身份证110101199003071234", "身份证110101********1234"),
    ("身份证11010119900307123X", "身份证110101********123X"),
    ("身份证11010119900307123x号", "身份证110101********123x号"),
    ("ID 110101199003071234, tel 138-1234-5678", "ID 110101********1234, tel 138****5678"),
])
def test_mask_text_phones_and_id_numbers(raw, masked):
    assert mask_text(raw) == masked


def masked_rows() -> list[dict[str, object]]:
    return [fx.row(rid, "2026-10-10 09:00:00", citizen_phone=phone, description=text, citizen_name="欧阳娜娜",
                   address="东城区一街道甲社区3号楼2单元501")
            for rid, ((phone, text), _) in CASES.items()]


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store (a real snapshot file) holding only the three requests with personal data."""
    path = tmp_path_factory.mktemp("masking") / "masking.duckdb"
    with write_snapshot(path, fresh=True, label="masking") as con:
        con.register("u", fx.units_frame())
        con.execute("INSERT INTO units BY NAME SELECT * FROM u")
        con.register("r", fx.requests_frame(masked_rows()))
        con.execute("INSERT INTO requests BY NAME SELECT * FROM r")
        after_write(con)
    return path


def check_masked(frame: pd.DataFrame) -> None:
    """Every row's phone and description in exactly the masked form; name and address cut too."""
    by_id = frame.set_index("request_id")
    assert sorted(by_id.index) == sorted(CASES)
    for rid, (_, (phone, text)) in CASES.items():
        assert by_id.at[rid, "citizen_phone"] == phone, rid
        assert by_id.at[rid, "description"] == text, rid
        assert by_id.at[rid, "citizen_name"] == "欧**娜"
        assert by_id.at[rid, "address"] == "东城区一街道甲社区***"


def test_mask_frame_masks_every_personal_column():
    check_masked(mask_frame(fx.requests_frame(masked_rows())))


def test_drill_rows_masked_for_the_demo_viewer_raw_for_a_permitted_one():
    con = fx.build_store(fx.requests_frame(masked_rows()))
    rows, total = drill_rows(con, DEMO_VIEWER, OCTOBER, Filters(), basic_credit=0.9)
    assert total == len(CASES)
    check_masked(rows)
    raw, _ = drill_rows(con, ADMIN, OCTOBER, Filters(), basic_credit=0.9)
    assert dict(zip(raw["request_id"], raw["citizen_phone"])) == {k: v[0][0] for k, v in CASES.items()}


def test_requests_csv_is_masked():
    con = fx.build_store(fx.requests_frame(masked_rows()))
    data = rows_csv(con, DEMO_VIEWER, OCTOBER, Filters(), None, basic_credit=0.9)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    check_masked(frame)
    text = data.decode("utf-8-sig")
    for number in RAW_NUMBERS:
        assert number not in text, number


def test_requests_page_shows_the_masked_forms(store_file, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(store_file))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/requests.py")
    at.query_params["period"] = "2026-10"
    at.run()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    check_masked(frame.astype({"request_id": str}))
    shown = frame.astype(str).to_string()
    for number in RAW_NUMBERS:
        assert number not in shown, number
    assert not re.search(r"\d{11}", shown.replace("-", "")), "no 11-digit run anywhere on the page"
