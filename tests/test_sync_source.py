"""Sync options without a server: source checks, password handling, and the pull statement per dialect."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from metrics.ingest.sync import SyncError, make_source, pull_statement, read_password

URL = "postgresql+psycopg://gridscore@db.example:5432/hotline"


def test_password_in_the_url_moves_out_and_is_redacted() -> None:
    src = make_source(URL.replace("gridscore@", "gridscore:pa%40ss@"), table="t")
    assert src.password == "pa@ss" and src.url == URL
    assert src.redacted == URL and src.key == f"{URL}|table=t"
    with_pw = make_source(URL, table="t", password="x1")
    assert with_pw.redacted == URL and "x1" not in with_pw.key
    assert make_source(URL, table="t", password="x1").engine().url.password == "x1"


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one of --table and --query-file"),
    ({"table": "t", "query_file": Path("q.sql")}, "exactly one of --table and --query-file"),
    ({"query_file": Path("/nonexistent/q.sql")}, "/nonexistent/q.sql: cannot read the query"),
])
def test_bad_options_are_one_line_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(SyncError, match=message):
        make_source(URL, **kwargs)


def test_not_a_url_never_echoes_a_password() -> None:
    with pytest.raises(SyncError) as err:
        make_source("user:secret-pw@nowhere", table="t")
    assert "secret-pw" not in str(err.value)


def test_empty_query_and_password_file(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text(" ;\n")
    with pytest.raises(SyncError, match="q.sql: the query is empty"):
        make_source(URL, query_file=tmp_path / "q.sql")
    (tmp_path / "pw").write_text("line-one\nline-two\n")
    assert read_password(file=tmp_path / "pw") == "line-one"
    with pytest.raises(SyncError, match="cannot read the password file"):
        read_password(file=tmp_path / "missing")


@pytest.mark.parametrize("dialect, quote", [(postgresql.dialect(), '"'), (mysql.dialect(), "`")])
def test_pull_statement_quotes_identifiers_and_binds_the_watermark(dialect, quote, tmp_path: Path) -> None:
    mark = dt.datetime(2026, 11, 30, 23, 59, 59)
    (tmp_path / "q.sql").write_text("SELECT * FROM work_orders;")
    query = make_source(URL, query_file=tmp_path / "q.sql", since_column="更新 time")
    sql = str(pull_statement(query, mark, dialect).compile(dialect=dialect))
    assert f"src.{quote}更新 time{quote} >" in sql and "2026" not in sql
    table = make_source(URL, table="ops.work orders", since_column="updated_at")
    compiled = pull_statement(table, mark, dialect).compile(dialect=dialect)
    assert f"{quote}work orders{quote}" in str(compiled) and list(compiled.params.values()) == [mark]
    assert "WHERE" not in str(pull_statement(table, None, dialect).compile(dialect=dialect))
    assert isinstance(pull_statement(query, None, dialect), sa.TextClause)
