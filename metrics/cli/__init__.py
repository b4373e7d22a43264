"""The command line: one module per command (configure(parser) / run(args) -> int), dispatched by
metrics/__main__.py so that `python -m metrics <command>` stays the entry point. The top layer: may
import everything in metrics/, nothing imports it."""
