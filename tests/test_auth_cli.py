"""``python -m metrics user ...`` and ``--as USER``: accounts, scoping on the command line, the audit log."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from metrics.core import audit
from metrics.core.accounts import authenticate, load_accounts
from tests.auth_fixtures import PASSWORD, local_auth

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=300)


@pytest.fixture
def env(demo_store, tmp_path, monkeypatch):
    """Local auth in tmp_path (the subprocesses inherit the environment), no accounts yet."""
    config = local_auth(tmp_path, monkeypatch, {})
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    monkeypatch.setenv("GRIDSCORE_EXPORT_LOG", str(tmp_path / "exports.jsonl"))
    con = duckdb.connect(str(demo_store), read_only=True)
    streets = [r[0] for r in con.execute("SELECT unit_id FROM units WHERE level = 'street' ORDER BY 1 LIMIT 2").fetchall()]
    con.close()
    return config, streets


def test_add_passwd_list_remove(env):
    config, (street, _) = env
    assert run("user", "add", "li", "--role", "unit", "--unit", street, "--password-stdin",
               stdin=PASSWORD + "\n").returncode == 0
    account = load_accounts(config.users_file)["li"]
    assert (account.role, account.unit_id) == ("unit", street)
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in config.users_file.read_text()
    assert authenticate(config.users_file, "li", PASSWORD).unit_id == street
    assert authenticate(config.users_file, "li", PASSWORD + "x") is None
    assert run("user", "passwd", "li", "--password-stdin", stdin="another-good-one\n").returncode == 0
    assert authenticate(config.users_file, "li", PASSWORD) is None
    assert authenticate(config.users_file, "li", "another-good-one").name == "li"
    listed = run("user", "list").stdout
    assert listed.startswith(f"li\tunit\t{street}\tpassword\t") and "argon2" not in listed
    assert run("user", "remove", "li").returncode == 0
    assert "li" not in load_accounts(config.users_file)
    assert [e["action"] for e in audit.read(config.audit_log)][::-1] == ["user_add", "user_passwd", "user_remove"]
    assert config.users_file.stat().st_mode & 0o077 == 0, "the users file is private to its owner"


@pytest.mark.parametrize("args, stdin, message", [
    (("add", "x", "--role", "unit"), PASSWORD, "needs --unit"),
    (("add", "x", "--role", "leader", "--unit", "D01"), PASSWORD, "only for the unit role"),
    (("add", "x", "--role", "unit", "--unit", "NOPE"), PASSWORD, "no unit 'NOPE'"),
    (("add", "x", "--role", "leader"), "short", "at least 10 characters"),
    (("passwd", "ghost"), PASSWORD, "no account 'ghost'"),
    (("remove", "ghost"), "", "no account 'ghost'"),
])
def test_bad_account_commands_say_why(env, args, stdin, message):
    proc = run("user", *args, "--password-stdin", stdin=stdin + "\n") if args[0] != "remove" else run("user", *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not load_accounts(env[0].users_file)


def test_duplicate_account_is_refused(env):
    assert run("user", "add", "a", "--role", "leader", "--password-stdin", stdin=PASSWORD).returncode == 0
    proc = run("user", "add", "a", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    assert proc.returncode == 2 and "exists already" in proc.stderr
    assert load_accounts(env[0].users_file)["a"].role == "leader"


def test_as_unit_user_scores_only_its_subtree(env, demo_store):
    config, (street, other) = env
    run("user", "add", "u", "--role", "unit", "--unit", street, "--no-password")
    every = list(csv.DictReader(io.StringIO(run("scores", "--period", "2026-09", "--level", "community",
                                                "--format", "csv").stdout)))
    mine = list(csv.DictReader(io.StringIO(run("scores", "--period", "2026-09", "--level", "community",
                                               "--format", "csv", "--as", "u").stdout)))
    con = duckdb.connect(str(demo_store), read_only=True)
    subtree = {r[0] for r in con.execute("SELECT unit_id FROM unit_ancestors WHERE ancestor_id = $s",
                                         {"s": street}).fetchall()}
    con.close()
    assert mine and {r["unit_id"] for r in mine} == {r["unit_id"] for r in every} & subtree
    street_level = run("scores", "--period", "2026-09", "--level", "street", "--format", "json", "--as", "u")
    assert [r["unit_id"] for r in json.loads(street_level.stdout)] == [street]


def test_as_unit_user_exporting_another_unit_gets_no_access(env, tmp_path):
    config, (street, other) = env
    run("user", "add", "u", "--role", "unit", "--unit", street, "--no-password")
    proc = run("scorecard", "--period", "2026-09", "--level", "street", "--unit", other, "--format", "csv",
               "--out", str(tmp_path / "out"), "--as", "u")
    assert proc.returncode == 3 and "no access" in proc.stderr
    assert not (tmp_path / "out").exists(), "nothing written"
    mine = run("scorecard", "--period", "2026-09", "--level", "street", "--unit", street, "--format", "csv",
               "--out", str(tmp_path / "mine"), "--as", "u")
    assert mine.returncode == 0, mine.stderr
    ranking = (tmp_path / "mine").glob("*ranking*.csv")
    rows = list(csv.reader(io.StringIO(next(ranking).read_text(encoding="utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == [street]


@pytest.mark.parametrize("role", ["leader", "evaluator", "unit"])
def test_sql_is_for_admins_only(env, role):
    config, (street, _) = env
    run("user", "add", "x", "--role", role, *(["--unit", street] if role == "unit" else []), "--no-password")
    proc = run("sql", "--as", "x", "SELECT citizen_phone FROM requests LIMIT 1")
    assert proc.returncode == 3 and "no access" in proc.stderr and proc.stdout == ""
    run("user", "add", "boss", "--role", "admin", "--no-password")
    assert run("sql", "--as", "boss", "SELECT count(*) AS n FROM requests").stdout.startswith("n\n")


def test_unknown_or_display_account_gets_no_access(env):
    run("user", "add", "screen", "--role", "display", "--no-password")
    for who in ("nobody", "screen"):
        proc = run("scores", "--period", "2026-09", "--as", who)
        assert proc.returncode == 3 and "no access" in proc.stderr and proc.stdout == ""


def test_command_line_imports_rollbacks_and_exports_are_audited(env, tmp_path, monkeypatch):
    from tests.ingest_fixtures import build_tiny_store, write_hotline_csv

    config, _ = env
    db = build_tiny_store(tmp_path / "tiny.duckdb")
    write_hotline_csv(tmp_path / "a.csv", 20, "utf-8")
    monkeypatch.setenv("GRIDSCORE_USER", "ops")
    assert run("import", str(tmp_path / "a.csv"), "--db", str(db), "--quiet").returncode == 0
    assert run("rollback", "--db", str(db)).returncode == 0
    assert run("rollback", "--db", str(db), "--redo").returncode == 0
    entries = audit.read(config.audit_log)[::-1]
    assert [(e["action"], e["who"], e["via"]) for e in entries] == [
        ("import", "ops", "cli"), ("rollback", "ops", "cli"), ("redo", "ops", "cli")]
    assert entries[0]["inserted"] == 20 and entries[0]["file"].endswith("a.csv")
    assert (entries[1]["requests_before"], entries[1]["requests_after"]) == (20, 0)
    assert (entries[2]["requests_before"], entries[2]["requests_after"]) == (0, 20)
    assert audit.verify(config.audit_log, config.cookie_secret) == []
