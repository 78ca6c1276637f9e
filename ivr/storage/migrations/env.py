"""Alembic's entry point: migrations always run on the connection ivr.storage.migrate hands over, inside its lock."""

from alembic import context

from ivr.storage.schema import metadata

connection = context.config.attributes["connection"]
# SQLite cannot alter most columns in place; batch mode copies the table instead.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
