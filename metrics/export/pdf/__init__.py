"""The PDF scorecard book (fpdf2 with embedded Noto CJK): document frame, cover, unit pages, charts."""
