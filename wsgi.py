"""WSGI entry point: `gunicorn wsgi:app`, and what `flask <command>` finds from the repository root."""

from yoozak import create_app

app = create_app()
