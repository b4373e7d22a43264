"""Options and error handling shared by the commands."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from metrics.store.snapshots import StoreError, default_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None,
        help="the store (default: $GRIDSCORE_DB, else data/gridscore.duckdb)",
    )


def add_assessment_options(parser: argparse.ArgumentParser) -> None:
    """``--period``, ``--scheme`` and ``--level`` of the commands that score units (scores, scorecard, bulletin)."""
    from metrics.assess.schemes import DEFAULT_SCHEME
    from metrics.core.levels import RANKED_LEVELS

    parser.add_argument("--period", required=True, help="YYYY-MM: the month, or the window ending in it")
    parser.add_argument("--scheme", default=DEFAULT_SCHEME, help="a scheme name (data/schemes/NAME.toml) or path")
    parser.add_argument("--level", choices=RANKED_LEVELS, default=None, help="unit level (default: the scheme's)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--out DIR`` and ``--lang`` of the commands that write files."""
    parser.add_argument("--out", type=Path, required=True, help="directory to write into (created if missing)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")


def add_as_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", default=None, metavar="USER",
                        help="apply this account's role and unit scope (default: every unit, personal data masked)")


def viewer_of(args: argparse.Namespace):
    """The Viewer of ``--as USER`` (the demo viewer without it), or the exit code after a one-line error."""
    from metrics.core.access import DEMO_VIEWER
    from metrics.core.accounts import AccountError, known_user
    from metrics.core.auth import ConfigError, load_config

    if not getattr(args, "as_user", None):
        return DEMO_VIEWER
    try:
        user = known_user(load_config().users_file, args.as_user)
    except (ConfigError, AccountError) as exc:
        return fail(str(exc), 2)
    if user is None:
        return fail(f"no access: no account {args.as_user!r}", 3)
    if user.role == "display":
        return fail(f"no access: {args.as_user!r} is a display account (the wall only)", 3)
    return user.viewer()


def audit_cli(args: argparse.Namespace, action: str, **what: object) -> None:
    """Append a command-line write (import, rollback, export) to the audit log; who = the OS login."""
    from metrics.core import audit
    from metrics.core.auth import ConfigError, load_config
    from metrics.export.log import current_user

    try:
        config = load_config()
        log, secret = audit.audit_path(db_path(args), config.audit_log), config.cookie_secret
    except ConfigError:
        log, secret = audit.audit_path(db_path(args)), ""
    try:
        audit.append(log, who=getattr(args, "as_user", None) or current_user(), action=action, secret=secret,
                     via="cli", **what)
    except OSError as exc:
        print(f"warning: cannot write the audit log {log}: {exc}", file=sys.stderr)


def db_path(args: argparse.Namespace) -> Path:
    return args.db or default_path()


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def out_dir_problem(out: Path) -> str | None:
    """Why files could not be written into the folder out (created if missing), or None."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    folder = out
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"--out {out}: {folder} is a file, not a folder"
    if not os.access(folder, os.W_OK) or not os.stat(folder).st_mode & 0o222:
        return f"--out {out}: the folder {folder} is read-only"
    return None


def open_for_scheme(args: argparse.Namespace):
    """Load ``--scheme``, resolve ``--period`` for it and open ``--db``.

    Returns (scheme, period, connection), or the exit code after printing a one-line error:
    2 for a bad scheme or period, 1 for a store that cannot be opened.
    """
    from metrics.assess.engine import scheme_period
    from metrics.assess.schemes import SchemeError, load_scheme
    from metrics.store.snapshots import open_read

    try:
        scheme = load_scheme(args.scheme)
        period = scheme_period(scheme, args.period)
    except (SchemeError, ValueError) as exc:
        return fail(str(exc), 2)
    try:
        return scheme, period, open_read(db_path(args))
    except StoreError as exc:
        return fail(str(exc))


__all__ = [
    "add_as_option", "add_db_option", "audit_cli", "db_path", "viewer_of", "fail", "open_for_scheme",
    "out_dir_problem", "StoreError",
]
