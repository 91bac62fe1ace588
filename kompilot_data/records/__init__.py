"""Records: the needs and offers schema, reading and importing files, storage, demo data."""
