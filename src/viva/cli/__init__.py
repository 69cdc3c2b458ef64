"""The `viva` command; `viva.cli:app` is the console script."""

from viva.cli.main import app

__all__ = ["app"]
