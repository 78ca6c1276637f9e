"""Alembic migrations of the hotline database; `ivr db upgrade` (or start-up) runs them."""
