"""The pure core: the call engine and everything it needs to decide what a caller hears.

State, events, replies, answer kinds, reading numbers in Chinese, ID-number checks, region and line rules, and the
ports (ivr.core.ports) that the outer layers implement. It may import the standard library, pydantic and PyYAML, and
nothing else of the package; it never imports flask, werkzeug, twilio, sqlalchemy, redis, alembic, prometheus_client or
gunicorn (tests/unit/test_engine.py checks sys.modules in a fresh interpreter).
"""
