"""The administrator's part of /data: roll back the last write, and read the audit log."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from metrics.core import audit
from metrics.store.files import list_snapshots
from metrics.store.history import rollback
from metrics.store.snapshots import StoreError
from views.auth import record, settings
from views.state import tr
from views.ui import md_text

_SHOWN = ("at", "who", "action", "address")


def rollback_panel(db: Path) -> None:
    st.subheader(tr("rollback.title"))
    if not list_snapshots(db):
        st.caption(tr("rollback.none"))
        return
    if st.button(tr("rollback.button"), icon=":material/undo:", key="rollback"):
        try:
            change = rollback(db)
        except (StoreError, OSError) as exc:
            record("rollback", error=str(exc))
            st.error(md_text(exc))
            return
        record("rollback", restored=change.restored.name, requests_before=change.requests_before,
               requests_after=change.requests_after)
        st.success(tr("rollback.done", name=md_text(change.restored.name)))
        st.text(change.describe())


def audit_panel(db: Path) -> None:
    config = settings()
    log = audit.audit_path(db, config.audit_log)
    st.subheader(tr("audit.title"))
    broken = audit.verify(log, config.cookie_secret)
    if broken:
        st.error(tr("audit.broken", lines=", ".join(map(str, broken[:20]))))
    entries = audit.read(log)
    rows = [{**{tr(f"audit.{k}"): e.get(k) for k in _SHOWN},
             tr("audit.what"): json.dumps({k: v for k, v in e.items() if k not in (*_SHOWN, "prev")},
                                          ensure_ascii=False)} for e in entries]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="audit_log")
