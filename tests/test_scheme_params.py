"""Scheme parameters are passed explicitly: no function below the pages defaults basic_credit."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from metrics.core.access import DEMO_VIEWER
from metrics.core.periods import parse_period
from metrics.core.registry import DEFAULT_PARAMS
from metrics.assess.schemes import DEFAULT_SCHEME, load_scheme, scheme_path
from metrics.query.tables import unit_table
from tests.fixtures_requests import build_store

LAYERS = ("query", "assess", "export", "present")


def _functions_taking(name: str) -> list[tuple[str, inspect.Parameter]]:
    found = []
    for layer in LAYERS:
        package = importlib.import_module(f"metrics.{layer}")
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for fname, fn in inspect.getmembers(module, inspect.isfunction):
                if fn.__module__ == module.__name__ and name in inspect.signature(fn).parameters:
                    found.append((f"{module.__name__}.{fname}", inspect.signature(fn).parameters[name]))
    return found


def test_no_function_defaults_the_basic_credit():
    found = _functions_taking("basic_credit")
    assert len(found) >= 12, [f for f, _ in found]     # the query, assess and present functions that use it
    # None is allowed: it means "keep the scheme's own value" (scheme_edit.with_params), never a number
    defaulted = [f for f, p in found if p.default is not inspect.Parameter.empty and p.default is not None]
    assert defaulted == []


def test_forgetting_the_credit_is_a_type_error():
    con = build_store()
    with pytest.raises(TypeError, match="basic_credit"):
        unit_table(con, DEMO_VIEWER, "street", parse_period("2026-10"))


def test_a_scheme_without_a_credit_takes_the_registry_default(tmp_path):
    text = scheme_path(DEFAULT_SCHEME).read_text(encoding="utf-8")
    assert "\nbasic_credit = 0.9\n" in text
    (tmp_path / "no-credit.toml").write_text(text.replace("\nbasic_credit = 0.9\n", "\n"), encoding="utf-8")
    assert load_scheme(tmp_path / "no-credit.toml").basic_credit == DEFAULT_PARAMS["basic_credit"] == 0.9
