"""Auth set-ups for tests: a local-auth config with accounts, and signing a page's session in."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from metrics.core.accounts import add_account
from metrics.core.auth import AuthConfig, User, load_config

PASSWORD = "correct-horse-battery"
SECRET = secrets.token_hex(32)
USER_KEY = "_auth_user"   # views.auth.USER_KEY, without importing streamlit code here


def local_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               accounts: dict[str, tuple[str, str | None]]) -> AuthConfig:
    """A gridscore.toml with mode = local in tmp_path, its users file holding ``accounts``
    ({name: (role, unit)}, all with :data:`PASSWORD`), made the config of this test."""
    config = tmp_path / "gridscore.toml"
    config.write_text(
        f'[auth]\nmode = "local"\ncookie_secret = "{SECRET}"\nusers_file = "users.json"\n'
        f'audit_log = "audit.jsonl"\nmax_failures = 3\n', encoding="utf-8")
    monkeypatch.setenv("GRIDSCORE_CONFIG", str(config))
    for name, (role, unit) in accounts.items():
        add_account(tmp_path / "users.json", name, role, unit, PASSWORD)
    return load_config()


def sign_in(at, name: str, role: str, unit: str | None = None):
    """Put a signed-in user into an AppTest session (what the login form does) and return it."""
    at.session_state[USER_KEY] = User(name, role, unit)
    return at
