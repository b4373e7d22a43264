"""A text file's encoding, decided once per file from samples of its start, middle and end.

A byte-order mark decides (UTF-8, UTF-16). Otherwise the sampled lines that hold non-ASCII
bytes vote: when most of them are valid UTF-8, the file is UTF-8, and the few lines that are
not are rejected by the reader ("not valid UTF-8 at byte …") instead of changing how the whole
file is read. When most are not, charset-normalizer names the encoding (GBK / GB2312 / GB18030
exports are read as GB18030, their superset). UTF-16 without a BOM is told by its NUL bytes.
"""
from __future__ import annotations

import codecs
from pathlib import Path

SAMPLE_BYTES = 1 << 20


def _samples(path: Path) -> list[bytes]:
    """The first MB, and whole lines from the middle and the last MB of the file."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        samples = [f.read(SAMPLE_BYTES)]
        for pos in (size // 2, max(size - SAMPLE_BYTES, 0)):
            if pos > SAMPLE_BYTES:
                f.seek(pos)
                chunk = f.read(SAMPLE_BYTES)
                start = chunk.find(b"\n") + 1   # from the next line on: never inside a character
                samples.append(chunk[start:])
    return samples


def _vote(samples: list[bytes]) -> tuple[int, int, bytes]:
    """(lines with non-ASCII bytes that are valid UTF-8, lines that are not, the first such line)."""
    good = bad = 0
    first_bad = b""
    for sample in samples:
        lines = sample.split(b"\n")
        if len(sample) >= SAMPLE_BYTES and len(lines) > 1:
            lines = lines[:-1]   # the last line may be cut short
        for line in lines:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
                first_bad = first_bad or line
    return good, bad, first_bad


def _utf16_without_bom(head: bytes) -> str | None:
    pairs = head[: 4096 - 4096 % 2]
    if len(pairs) < 4:
        return None
    even, odd = pairs[0::2].count(0), pairs[1::2].count(0)
    half = len(pairs) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, utf-16(-le/-be), gb18030 (for GBK / GB2312 too) or what charset-normalizer finds."""
    samples = _samples(path)
    head = samples[0]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if wide := _utf16_without_bom(head):
        return wide
    good, bad, first_bad = _vote(samples)
    if bad == 0 or good > bad:
        return "utf-8"
    from charset_normalizer import from_bytes

    dirty = b"\n".join(line for s in samples for line in s.split(b"\n") if not line.isascii())
    best = from_bytes(dirty[:200_000] or first_bad).best()
    enc = (best.encoding if best else "gb18030").lower().replace("-", "_")
    if enc in ("gb2312", "gbk", "gb18030", "hz", "cp936", "big5") or not best:
        return "gb18030"
    return best.encoding
