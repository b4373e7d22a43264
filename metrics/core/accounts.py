"""Accounts: a JSON file of users with their role, unit and argon2 password hash (auth mode ``local``).

With ``oidc`` or ``header`` the same file names who may come in (the e-mail or the proxy's user name)
and gives them their role; such accounts need no password. The file is replaced atomically and kept
readable by its owner only.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from metrics.core.auth import ROLES, User

MIN_PASSWORD = 10
MAX_NAME = 128
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone")  # unknown names cost the same time as known ones


class AccountError(ValueError):
    """A bad account operation; the message names the account and the problem."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    unit_id: str | None
    password_hash: str | None
    created: str

    def user(self) -> User:
        return User(self.name, self.role, self.unit_id)  # type: ignore[arg-type]


def load_accounts(path: Path) -> dict[str, Account]:
    """{name: Account}; a missing file is no accounts."""
    if not path.exists():
        return {}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["users"]
        return {row["name"]: Account(**row) for row in rows}
    except (ValueError, KeyError, TypeError) as exc:
        raise AccountError(f"{path}: not a GridScore users file ({exc})") from exc


def _save(path: Path, accounts: dict[str, Account]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"users": [asdict(a) for a in accounts.values()]}, ensure_ascii=False, indent=1)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, body.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 or c in "\x7f" for c in name):
        raise AccountError(f"account name {name!r}: 1 to {MAX_NAME} printable characters")
    return name


def _check_password(name: str, password: str | None) -> str | None:
    if password is None:
        return None
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"account {name!r}: the password needs at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def add_account(path: Path, name: str, role: str, unit_id: str | None, password: str | None) -> Account:
    """A new account; a ``unit`` account needs its unit, other roles take none."""
    name = _check_name(name)
    if role not in ROLES:
        raise AccountError(f"account {name!r}: role {role!r} is not one of {', '.join(ROLES)}")
    if (role == "unit") != bool(unit_id):
        raise AccountError(f"account {name!r}: " + ("a unit account needs --unit ID" if role == "unit"
                                                     else f"--unit is only for the unit role, not {role}"))
    accounts = load_accounts(path)
    if name in accounts:
        raise AccountError(f"account {name!r} exists already (use: user passwd, or user remove first)")
    account = Account(name, role, unit_id or None, _check_password(name, password),
                      dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    _save(path, {**accounts, name: account})
    return account


def set_password(path: Path, name: str, password: str) -> Account:
    accounts = load_accounts(path)
    if name not in accounts:
        raise AccountError(f"no account {name!r}")
    account = Account(**{**asdict(accounts[name]), "password_hash": _check_password(name, password)})
    _save(path, {**accounts, name: account})
    return account


def remove_account(path: Path, name: str) -> Account:
    accounts = load_accounts(path)
    if name not in accounts:
        raise AccountError(f"no account {name!r}")
    gone = accounts.pop(name)
    _save(path, accounts)
    return gone


def authenticate(path: Path, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (unknown names take as long as wrong passwords)."""
    account = load_accounts(path).get(name.strip())
    stored = account.password_hash if account else None
    try:
        _HASHER.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return account.user() if account and stored else None


def known_user(path: Path, name: str | None) -> User | None:
    """The account of a name vouched for elsewhere (OIDC e-mail, proxy header), or None."""
    account = load_accounts(path).get((name or "").strip())
    return account.user() if account else None
