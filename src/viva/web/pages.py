"""The shared page renderer (Jinja2 + HTMX): templates, Markdown filter, static files.

Each domain's pages live in the domain (`bank/pages.py`, `accounts/pages.py`...) and render
through `render` / `render_private` here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from viva.infra.cache import PUBLIC
from viva.web.cookies import CSRF_COOKIE
from viva.web.markdown import render_markdown

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.filters["markdown"] = render_markdown
DIFFICULTIES = ["easy", "medium", "hard"]


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    if status == 200:
        response.headers["Cache-Control"] = PUBLIC
    return response


def render_private(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page for the signed-in user: never cached, with the CSRF token its forms post back."""
    context = {"csrf": request.cookies.get(CSRF_COOKIE, ""), **context}
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response
