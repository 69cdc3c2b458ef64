"""Viva: self-hosted interview practice and assessment."""

__version__ = "0.1.0"
