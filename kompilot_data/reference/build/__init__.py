"""The reference build: the only code that reads the raw public source files (``../shared/data/raw`` in the
development checkout). It writes compact derived files into ``kompilot_data/data/``; those are committed and are
all the app reads. :func:`kompilot_data.reference.build.runner.build_reference` runs every part.

Run with ``python -m kompilot_data build-reference --raw ../shared/data/raw``.

It is a tool above the layers (beside the command line): it may use the engine's travel graph to derive the
travel model, and nothing at run time imports it.
"""
