"""Importing real exports: read -> map columns -> validate -> quarantine rejects -> upsert (DESIGN §6).

Owns the file readers, the mapping presets' loader, validation and placement SQL, boundaries and the
import writer; every write goes through the store's snapshots. May import core and store only (no
query, assess or presentation code), so the import CLI stays light."""
from __future__ import annotations

from metrics.ingest.importer import ImportOptions, ImportResult, import_files
from metrics.ingest.mapping import Mapping, MappingError, available, load_mapping
from metrics.ingest.readers import FORMATS, ReadError

__all__ = ["FORMATS", "ImportOptions", "ImportResult", "Mapping", "MappingError", "ReadError",
           "available", "import_files", "load_mapping"]
