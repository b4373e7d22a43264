"""Layer 5a, files for people: a registry of writers (format -> writer) for scorecard books
(xlsx, csv, pdf/), their labels and the export log. Produces bytes and files from the assess layer's
models; never queries on its own account. May import core, store, query and assess."""
