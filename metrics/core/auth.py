"""Who may log in, and what each role may see and do (DESIGN §7).

The auth mode and its settings come from one config file (``gridscore.toml``, or ``$GRIDSCORE_CONFIG``)
and the environment. The roles decide the pages (app.py builds its navigation from :func:`pages_for`)
and the actions (:meth:`User.can`); the :class:`~metrics.core.access.Viewer` a user gets scopes every query.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from metrics.core.access import Role, Viewer

MODES = ("off", "local", "oidc", "header")
ROLES: tuple[Role, ...] = ("leader", "evaluator", "unit", "display", "admin")
CONFIG_ENV = "GRIDSCORE_CONFIG"
CONFIG_FILE = "gridscore.toml"
MIN_SECRET = 32

ANALYSIS = ("overview", "map", "response", "resolution", "satisfaction", "requests")
# The pages each role has, by name (views/<name>.py); every other page is neither listed nor reachable.
PAGES: dict[str, tuple[str, ...]] = {
    "leader": (*ANALYSIS, "assessment", "glossary", "wall"),
    "evaluator": (*ANALYSIS, "assessment", "glossary", "wall"),
    "unit": (*ANALYSIS, "assessment", "glossary"),
    "display": ("wall",),
    "admin": (*ANALYSIS, "assessment", "glossary", "data", "wall"),
}
# What each role may do besides reading its pages.
ACTIONS: dict[str, frozenset[str]] = {
    "export": frozenset({"leader", "evaluator", "unit", "admin"}),
    "edit_schemes": frozenset({"evaluator", "admin"}),
    "import": frozenset({"admin"}),
    "rollback": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
    "personal": frozenset({"admin"}),
}


class ConfigError(ValueError):
    """The auth configuration is unusable; the message says what to change."""


@dataclass(frozen=True)
class User:
    """A signed-in person (or, with auth off, the anonymous read-only leader)."""

    name: str
    role: Role
    unit_id: str | None = None

    def can(self, action: str) -> bool:
        return self.role in ACTIONS[action]

    def viewer(self) -> Viewer:
        """The scope every query of this user runs under."""
        return Viewer(role=self.role, scope_unit_id=self.unit_id if self.role == "unit" else None,
                      may_see_personal=self.can("personal"))


ANONYMOUS = User("anonymous", "leader")


def pages_for(user: User, mode: str) -> tuple[str, ...]:
    """The pages ``user`` may open. With auth off /data stays listed, read-only, to say how to turn auth on."""
    pages = PAGES[user.role]
    return (*pages, "data") if mode == "off" and "data" not in pages else pages


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "off"
    cookie_secret: str = ""
    users_file: Path = Path("data/users.json")
    audit_log: Path | None = None          # None: beside the store, <db>.audit.jsonl
    oidc_provider: str | None = None       # a provider of [auth] in .streamlit/secrets.toml; None = the default
    header: str = "X-Forwarded-User"
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    max_failures: int = 5                  # failed logins per account (4x per address) before a lockout
    lockout_seconds: int = 900
    source: Path | None = None             # the config file read, if any

    @property
    def on(self) -> bool:
        return self.mode != "off"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(CONFIG_ENV) or CONFIG_FILE)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> AuthConfig:
    """The ``[auth]`` table of the config file, overridden by ``$GRIDSCORE_AUTH`` (mode),
    ``$GRIDSCORE_COOKIE_SECRET``, ``$GRIDSCORE_USERS`` and ``$GRIDSCORE_AUDIT_LOG``; no file = auth off."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    table: dict[str, object] = {}
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("auth", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the config file: {exc}") from exc
    base = path.resolve().parent

    def file_setting(key: str, env_key: str) -> Path | None:
        value = env.get(env_key) or table.get(key)
        return None if not value else (base / str(value) if not Path(str(value)).is_absolute() else Path(str(value)))

    proxies = env.get("GRIDSCORE_TRUSTED_PROXIES")
    try:
        config = AuthConfig(
            mode=str(env.get("GRIDSCORE_AUTH") or table.get("mode", "off")).strip().lower(),
            cookie_secret=str(env.get("GRIDSCORE_COOKIE_SECRET") or table.get("cookie_secret", "")),
            users_file=file_setting("users_file", "GRIDSCORE_USERS") or base / "data" / "users.json",
            audit_log=file_setting("audit_log", "GRIDSCORE_AUDIT_LOG"),
            oidc_provider=str(table["oidc_provider"]) if table.get("oidc_provider") else None,
            header=str(table.get("header", AuthConfig.header)),
            trusted_proxies=tuple(proxies.split(",") if proxies else table.get("trusted_proxies", AuthConfig.trusted_proxies)),
            max_failures=int(table.get("max_failures", AuthConfig.max_failures)),
            lockout_seconds=int(table.get("lockout_minutes", AuthConfig.lockout_seconds // 60)) * 60,
            source=path if path.exists() else None,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: [auth]: {exc}") from exc
    return _checked(config, path)


def _checked(config: AuthConfig, path: Path) -> AuthConfig:
    if config.mode not in MODES:
        raise ConfigError(f"{path}: [auth] mode = {config.mode!r}: use one of {', '.join(MODES)}")
    if config.on and len(config.cookie_secret) < MIN_SECRET:
        raise ConfigError(
            f"auth mode {config.mode!r} needs a cookie secret of at least {MIN_SECRET} characters: set "
            f"cookie_secret in [auth] of {path} or $GRIDSCORE_COOKIE_SECRET "
            "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')")
    if config.max_failures < 1 or config.lockout_seconds < 60:
        raise ConfigError(f"{path}: [auth] max_failures must be >= 1 and lockout_minutes >= 1")
    return config


HOW_TO_TURN_ON = {
    "zh": "登录未开启（演示模式，只读）。开启方法：在 gridscore.toml 的 [auth] 中设 mode = \"local\" 和 "
          "cookie_secret，用 python -m metrics user add 姓名 --role admin 建账号，然后重启看板（见 README「登录与权限」）。",
    "en": "Login is off (demo mode, read-only). To turn it on: set mode = \"local\" and a cookie_secret in [auth] of "
          "gridscore.toml, create an account with python -m metrics user add NAME --role admin, and restart the "
          "dashboard (README, \"Login and roles\").",
}
