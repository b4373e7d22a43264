"""Personal data masked everywhere it leaves the query layer (DESIGN §7), as a PII scanner sees it.

The masking functions on generated spellings of mobile numbers, ID numbers and landlines in free text
(hypothesis: none survives :func:`mask_text`), house numbers dropped, rejected rows masked by their
header; and exact masked forms for phones written with spaces or dashes and 18-digit ID numbers
(with a trailing X) in the drill-down rows, their CSV and the /requests page. Each check requires
the masked form, not just the absence of the raw one."""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.filters import Filters
from metrics.core.masking import mask_address, mask_frame, mask_phone, mask_raw_cell, mask_text
from metrics.core.periods import parse_period
from metrics.present.rows import rows_csv
from metrics.query.detail import drill_rows
from metrics.store.snapshots import after_write, write_snapshot
from tests import fixtures_requests as fx

SEPARATORS = ["", "", "", " ", "-", ".", " - ", "\u3000", "－", "．"]
PREFIXES = ["", "+86", "+86 ", "+86-", "0086", "0086 ", "(+86)", "（+86）", "86", "86-", "＋86"]
FILLER = st.text(alphabet="请联系市民反映电话号码为身份证：，。 ()abcXYZ#*", max_size=8)


def scanner_digits(text: str) -> str:
    """What a PII scanner matches on: full-width folded, every separator dropped."""
    return re.sub(r"[^0-9Xx]", "", unicodedata.normalize("NFKC", text))


def spelled(digits: str, seps: list[str], wide: list[bool]) -> str:
    chars = [chr(0xFF10 + int(d)) if w else d for d, w in zip(digits, wide)]
    return "".join(c + s for c, s in zip(chars, [*seps, ""]))


@st.composite
def mobiles(draw) -> tuple[str, str]:
    number = "1" + draw(st.sampled_from("3456789")) + draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    style = draw(st.sampled_from(["plain", "3-4-4", "random"]))
    if style == "plain":
        seps = [""] * 10
    elif style == "3-4-4":
        sep = draw(st.sampled_from(SEPARATORS))
        seps = ["", "", sep, "", "", "", sep, "", "", ""]
    else:
        seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=10, max_size=10))
    wide = draw(st.lists(st.booleans(), min_size=11, max_size=11))
    return number, draw(st.sampled_from(PREFIXES)) + spelled(number, seps, wide)


@st.composite
def id_numbers(draw) -> tuple[str, str]:
    area = draw(st.text(alphabet="0123456789", min_size=6, max_size=6).filter(lambda a: a[0] != "0"))
    born = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31)))
    seq = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    if draw(st.booleans()):
        number = f"{area}{born:%Y%m%d}{seq}{draw(st.sampled_from('0123456789Xx'))}"
        groups = [6, 8, 4]
    else:
        number = f"{area}{born:%y%m%d}{seq}"
        groups = [6, 6, 3]
    sep = draw(st.sampled_from(["", "", " ", "-"]))
    parts, i = [], 0
    for n in groups:
        parts.append(number[i:i + n])
        i += n
    wide = draw(st.booleans())
    text = sep.join(parts)
    if wide:
        text = "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)
    return number, text


@st.composite
def landlines(draw) -> tuple[str, str]:
    area = draw(st.sampled_from(["010", "021", "022", "0755", "0571", "0951"]))
    local = draw(st.sampled_from("2345678")) + draw(st.text(alphabet="0123456789", min_size=6 if area in (
        "0755", "0571", "0951") and draw(st.booleans()) else 7, max_size=7))
    style = draw(st.sampled_from(["{a}-{n}", "({a}){n}", "{a} {n}", "{a}{n}", "+86 {b} {n}", "0086-{b}-{n}",
                                  "{a}-{h}-{t}", "（{a}）{n}"]))
    half = len(local) // 2
    return local, style.format(a=area, b=area[1:], n=local, h=local[:half], t=local[half:])


@settings(max_examples=400, deadline=None)
@given(mobiles(), FILLER, FILLER)
def test_no_mobile_spelling_survives(mobile, before, after):
    number, text = mobile
    masked = mask_text(before + text + after)
    assert number not in scanner_digits(masked), (text, masked)
    assert f"{number[:3]}****{number[-4:]}" in masked, "first three and last four kept, the rest starred"


@settings(max_examples=300, deadline=None)
@given(id_numbers(), FILLER, FILLER)
def test_no_id_number_survives(id_number, before, after):
    number, text = id_number
    masked = mask_text(before + text + after)
    digits = scanner_digits(masked)
    assert number not in digits, (text, masked)
    assert number[:6] + "*" * (len(number) - 10) + number[-4:] in masked, "region and last four kept, birth date starred"


@settings(max_examples=300, deadline=None)
@given(landlines(), FILLER, FILLER)
def test_no_landline_with_area_code_survives(landline, before, after):
    local, text = landline
    masked = mask_text(before + text + after)
    assert local not in scanner_digits(masked), (text, masked)
    assert local[-4:] in scanner_digits(masked), "the last four digits stay, as on a receipt"


@settings(max_examples=200, deadline=None)
@given(mobiles())
def test_phone_column_keeps_first_three_and_last_four(mobile):
    number, text = mobile
    assert mask_phone(text) == f"{number[:3]}****{number[-4:]}"


@pytest.mark.parametrize("raw, masked", [
    ("+8613912345678", "+86139****5678"),
    ("139.1234.5678", "139****5678"),
    ("１３９１２３４５６７８", "139****5678"),
    ("身份证110101900307123", "身份证110101*****7123"),
    ("座机(010)62345678", "座机(010)-****5678"),
    ("住幸福路12号3栋201室", "住幸福路**号*栋***室"),
    ("二〇二六年受理", "二〇二六年受理"),
    ("2026-11-22 13:05 受理，工单 W123456", "2026-11-22 13:05 受理，工单 W123456"),
])
def test_mask_text_examples(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("raw, masked", [
    ("朝阳路18号院", "朝阳路***"), ("幸福路十二号3栋", "幸福路***"), ("幸福村5组", "幸福村***"),
    ("东城区一街道甲社区3号楼2单元501", "东城区一街道甲社区***"), ("建国路１８号", "建国路***"),
])
def test_addresses_lose_house_numbers(raw, masked):
    assert mask_address(raw) == masked


@pytest.mark.parametrize("header, value, masked", [
    ("联系电话", "+86 139-1234-5678", "139****5678"), ("市民姓名", "张三明", "张*明"),
    ("诉求地址", "幸福路12号", "幸福路***"), ("诉求内容", "请回电13912345678", "请回电139****5678"),
    ("工单编号", "A1", "A1"), ("citizen_name", "Ann Lee", "A*****e"), ("联系人电话", "13912345678", "139****5678"),
])
def test_rejected_cells_are_masked_by_their_header(header, value, masked):
    assert mask_raw_cell(header, value) == masked


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
