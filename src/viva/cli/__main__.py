"""`python -m viva.cli ...`."""

from viva.cli.main import app

app()
