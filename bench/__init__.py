"""A load benchmark of the hotline under gunicorn on loopback: `python -m bench --help`."""
