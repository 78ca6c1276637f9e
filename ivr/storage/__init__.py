"""Where calls and accounts are kept: SQLAlchemy tables, Alembic migrations, call state in SQL or Redis, lockouts.

It implements the core's ports (ivr.core.ports.Backend) and the statistics queries of the operator page. It may import
ivr.core and ivr.content.
"""
