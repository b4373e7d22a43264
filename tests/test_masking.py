"""Masking as a PII scanner sees it: generated spellings of mobile numbers, ID numbers and landlines
in free text never survive :func:`mask_text`; house numbers are dropped; rejected rows are masked."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.core.masking import mask_address, mask_phone, mask_raw_cell, mask_text

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
