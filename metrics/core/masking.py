"""Masking of personal data before rows leave the query layer (DESIGN §7).

Names keep their first and last character (张*明), phones their first 3 and last 4 digits
(138****5678), addresses are cut after the community (or before the first house number), and
phone / ID numbers inside free text are masked the same way.
"""
from __future__ import annotations

import re

import pandas as pd

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{3,4})(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9])")
_COMMUNITY_END = re.compile(r"^.*?(社区|居委会|村委会|村|小区)")
_FIRST_DIGIT = re.compile(r"\d")


def mask_name(name: str | None) -> str | None:
    """张三明 -> 张*明, 张三 -> 张*, Ann Lee -> A*****e."""
    if name is None or pd.isna(name):
        return None
    name = str(name).strip()
    if len(name) <= 1:
        return "*" if name else name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678; other numbers keep at most their last 4 digits."""
    if phone is None or pd.isna(phone):
        return None
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_address(address: str | None) -> str | None:
    """Keep the address up to and including the community (社区/村/小区); drop building and room."""
    if address is None or pd.isna(address):
        return None
    text = str(address)
    found = _COMMUNITY_END.match(text)
    if found:
        kept = found.group(0)
    else:
        digit = _FIRST_DIGIT.search(text)
        kept = text[: digit.start()] if digit else text[: max(len(text) // 2, 1)]
    return kept + "***" if kept != text else kept


def mask_text(text: str | None) -> str | None:
    """Free text with mobile, landline and ID numbers masked."""
    if text is None or pd.isna(text):
        return None
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), str(text))
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-{'*' * len(m.group(2))}{m.group(3)}", text)


MASKERS = {"citizen_name": mask_name, "citizen_phone": mask_phone, "address": mask_address,
           "description": mask_text}


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every personal column present masked."""
    out = frame.copy()
    for column, masker in MASKERS.items():
        if column in out.columns:
            out[column] = out[column].map(masker).astype(object)
    return out
