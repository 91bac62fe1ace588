"""Alembic environment: the engine comes from kompilot_data.records.storage (config.attributes["engine"])."""

from alembic import context

from kompilot_data.records.storage.tables import METADATA

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
