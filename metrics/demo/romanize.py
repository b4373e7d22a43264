"""English names for the demo city's units: pinyin for the proper name, a translated suffix.

建设街道 → "Jianshe Subdistrict", 幸福里社区 → "Xingfuli Community", 第3网格 → "Grid 3".
Pinyin is toneless, one word per proper name with the first letter capitalised, an apostrophe
before a syllable starting with a, o or e (永安 → "Yong'an"), and ü written "yu" (绿洲 →
"Lyuzhou") so every name is plain ASCII. Results are cached: the demo has a few thousand names.
"""
from __future__ import annotations

import functools
import re

from pypinyin import Style, lazy_pinyin

# Longest first: 新区 must win over 区.
SUFFIXES: tuple[tuple[str, str], ...] = (
    ("新区", "New District"),
    ("街道", "Subdistrict"),
    ("社区", "Community"),
    ("区", "District"),
    ("县", "County"),
    ("镇", "Town"),
    ("乡", "Township"),
    ("村", "Village"),
)
GRID = re.compile(r"第(\d+)网格")

# Place-name readings where pypinyin's everyday reading is wrong (朝阳 is "zhaoyang", morning sun).
PLACE_READINGS: dict[str, tuple[str, ...]] = {
    "朝阳": ("chao", "yang"),
}
_READING = re.compile("|".join(map(re.escape, PLACE_READINGS)))


@functools.lru_cache(maxsize=None)
def english_name(name: str) -> str:
    """The English name of a unit called ``name`` (a name with no known suffix is all pinyin)."""
    grid = GRID.fullmatch(name)
    if grid:
        return f"Grid {int(grid.group(1))}"
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            return f"{pinyin_word(name[: -len(zh)])} {en}"
    return pinyin_word(name)


def pinyin_word(text: str) -> str:
    """``text`` as one capitalised toneless pinyin word: 幸福里 → "Xingfuli"."""
    word = ""
    for syllable in _syllables(text):
        syllable = syllable.replace("v", "yu")
        if word and syllable[:1] in ("a", "o", "e"):
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


def _syllables(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _READING.finditer(text):
        out += lazy_pinyin(text[pos:m.start()], style=Style.NORMAL)
        out += PLACE_READINGS[m.group()]
        pos = m.end()
    return out + lazy_pinyin(text[pos:], style=Style.NORMAL)
