"""``python -m metrics user add|passwd|list|remove``: the accounts of the dashboard.

    python -m metrics user add NAME --role leader|evaluator|unit|display|admin [--unit ID] [--no-password]
    python -m metrics user passwd NAME
    python -m metrics user list
    python -m metrics user remove NAME

Passwords are asked twice on a terminal, or read as one line from stdin with ``--password-stdin``;
``--no-password`` makes an account for OIDC or a proxy header (it cannot log in with a password).
The accounts file and the audit log come from the auth config (gridscore.toml / $GRIDSCORE_CONFIG).
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.core.accounts import AccountError, add_account, load_accounts, remove_account, set_password
from metrics.core.auth import ROLES, ConfigError, load_config


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="the config file (default: gridscore.toml)")
    add_db_option(parser)
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--unit", default=None, help="the unit (or department) id of a unit account")
    add.add_argument("--no-password", action="store_true", help="for OIDC / proxy-header accounts")
    passwd = sub.add_parser("passwd", help="set an account's password")
    passwd.add_argument("name")
    for p in (add, passwd):
        p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    sub.add_parser("list", help="list the accounts")
    remove = sub.add_parser("remove", help="delete an account")
    remove.add_argument("name")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _check_unit(args: argparse.Namespace) -> None:
    """A unit account's unit must exist in the store (when there is one)."""
    from metrics.store.snapshots import StoreError, open_read
    try:
        con = open_read(db_path(args))
    except StoreError:
        return
    try:
        if not con.execute("SELECT count(*) FROM units WHERE unit_id = $u", {"u": args.unit}).fetchone()[0]:
            raise AccountError(f"account {args.name!r}: no unit {args.unit!r} in {db_path(args)}")
    finally:
        con.close()


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return fail(str(exc), 2)
    users = config.users_file
    try:
        if args.action == "list":
            for a in load_accounts(users).values():
                login = "password" if a.password_hash else "oidc/header"
                print(f"{a.name}\t{a.role}\t{a.unit_id or ''}\t{login}\t{a.created}")
            return 0
        if args.action == "add":
            if args.unit:
                _check_unit(args)
            account = add_account(users, args.name, args.role, args.unit,
                                  None if args.no_password else _password(args))
            what = {"role": account.role, "unit": account.unit_id}
        elif args.action == "passwd":
            account = set_password(users, args.name, _password(args))
            what = {}
        else:
            account = remove_account(users, args.name)
            what = {"role": account.role}
    except AccountError as exc:
        return fail(str(exc), 2)
    audit_cli(args, f"user_{args.action}", account=account.name, **what)
    print(f"{args.action}: {account.name} ({account.role}{' ' + account.unit_id if account.unit_id else ''}) in {users}")
    return 0
