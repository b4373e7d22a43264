"""Masking of personal data before rows leave the query layer (DESIGN §7).

Names keep their first and last character (张*明), phones their first 3 and last 4 digits
(138****5678), addresses are cut after the community (or before the first house number), and
inside free text every spelling of a mobile number (spaces, dots, dashes, +86 / 0086, full-width
digits), 15- and 18-digit ID numbers, landlines with an area code and house numbers are masked.
"""
from __future__ import annotations

import re

import pandas as pd

# Full-width digits and punctuation (１３９－１２３４) read as their ASCII forms before matching.
_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                       "＋": "+", "－": "-", "．": ".", "（": "(", "）": ")", "\u3000": " ", "／": "/"})
_SEP = r"[ \t.\-/\u00a0]{0,3}"         # what may sit between the digits of one number
_CN = r"(?:(?:\+|00)\s*86|\(\s*(?:\+|00)?86\s*\)|86)" + _SEP  # the country prefix
_MOBILE = re.compile(rf"(?<!\d)(?P<cc>{_CN})?(?P<n>1{_SEP}[3-9](?:{_SEP}\d){{9}})(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(?!0|861[3-9])(?P<n>\d{6}[ \-]?(?:\d{8}[ \-]?\d{3}[\dXx]|\d{6}[ \-]?\d{3}))(?!\d)")
_LANDLINE = re.compile(  # an area code (0 + 2-3 digits, or after +86 without its 0), then 7-8 digits
    rf"(?<!\d)(?:(?P<cc>{_CN})(?P<area2>\(?\s*0?[1-9]\d{{1,2}}\s*\)?)|(?P<area>\(\s*0\d{{2,3}}\s*\)|0\d{{2,3}}))"
    rf"(?P<n>{_SEP}\d(?:{_SEP}\d){{6,7}})(?!\d)")
_HOUSE = re.compile(r"(?<![\d*])[\d一二三四五六七八九十百零〇两]+(?=\s*(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|弄|巷|排|户))")
_COMMUNITY_END = re.compile(r"^.*?(社区|居委会|村委会|村|小区)")
_FIRST_HOUSE = re.compile(r"\d|[一二三四五六七八九十百零〇两]+(?=\s*(?:号|栋|幢|单元|室|弄))")


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def mask_name(name: str | None) -> str | None:
    """张三明 -> 张*明, 张三 -> 张*, Ann Lee -> A*****e."""
    if _missing(name):
        return None
    name = str(name).strip()
    if len(name) <= 1:
        return "*" if name else name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """13812345678, +86 138-1234-5678 -> 138****5678; other numbers keep at most their last 4 digits."""
    if _missing(phone):
        return None
    digits = _digits(str(phone).translate(_WIDE))
    if len(digits) in (13, 15) and digits.startswith(("86", "0086")) and digits[-11] == "1":
        digits = digits[-11:]
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_address(address: str | None) -> str | None:
    """Keep the address up to and including the community (社区/村/小区); drop building and room."""
    if _missing(address):
        return None
    text = str(address).translate(_WIDE)
    found = _COMMUNITY_END.match(text)
    if found:
        kept = found.group(0)
    else:
        house = _FIRST_HOUSE.search(text)
        kept = text[: house.start()] if house else text[: max(len(text) // 2, 1)]
    return kept + "***" if kept != text else kept


def _mobile(m: re.Match) -> str:
    digits = _digits(m.group("n"))
    return f"{m.group('cc') or ''}{digits[:3]}****{digits[-4:]}"


def _id_number(m: re.Match) -> str:
    digits = re.sub(r"[ \-]", "", m.group("n"))
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _landline(m: re.Match) -> str:
    digits = _digits(m.group("n"))
    area = m.group("area") or (m.group("cc") + m.group("area2"))
    return f"{area}-{'*' * (len(digits) - 4)}{digits[-4:]}"


def mask_text(text: str | None) -> str | None:
    """Free text with ID, mobile and landline numbers and house numbers masked."""
    if _missing(text):
        return None
    text = _ID_NUMBER.sub(_id_number, str(text).translate(_WIDE))
    text = _MOBILE.sub(_mobile, text)
    text = _LANDLINE.sub(_landline, text)
    return _HOUSE.sub(lambda m: "*" * len(m.group(0)), text)


MASKERS = {"citizen_name": mask_name, "citizen_phone": mask_phone, "address": mask_address,
           "description": mask_text}

# Headers of a source file's personal columns (rejected rows keep the file's own headers).
_RAW_HEADERS = (
    (re.compile(r"电话|手机|联系方式|phone|mobile|tel", re.I), mask_phone),
    (re.compile(r"姓名|联系人|来电人|反映人|诉求人|市民|citizen|name$", re.I), mask_name),
    (re.compile(r"地址|住址|address", re.I), mask_address),
)


def mask_raw_cell(header: str, value: str) -> str:
    """A cell of a rejected source row, masked by what its header says it holds (free text otherwise)."""
    if not value:
        return value
    for pattern, masker in _RAW_HEADERS:
        if pattern.search(header):
            return masker(value) or ""
    return mask_text(value) or ""


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every personal column present masked."""
    out = frame.copy()
    for column, masker in MASKERS.items():
        if column in out.columns:
            out[column] = out[column].map(masker).astype(object)
    return out
