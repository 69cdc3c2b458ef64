"""Sign-in pages: password form, one-time link, sign-out, and the admin's account pages."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts import public, security, service
from viva.accounts.auth import require_role, resolve
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.deps import SessionDep, SettingsDep, client_key
from viva.errors import Conflict, InvalidAccount
from viva.infra.ratelimit import RateLimiter
from viva.web.cookies import CSRF_COOKIE, SESSION_COOKIE
from viva.web.pages import render, render_private

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a sign-in to another site."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or urlparse(target).netloc
    ):
        return "/"
    return target


def sign_in(response: Response, request: Request, user: User, key: str) -> None:
    token = security.encode_token(
        user_id=user.id,
        role=user.role,
        kind="session",
        ttl=security.SESSION_TTL,
        key=key,
        version=user.token_version,
    )
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(security.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(CSRF_COOKIE, security.new_secret(), samesite="lax", secure=secure)


def _login_page(
    request: Request,
    *,
    error: str = "",
    next_url: str = "/",
    username: str = "",
    status: int = 200,
) -> Response:
    csrf = request.cookies.get(CSRF_COOKIE) or security.new_secret()
    context = {"error": error, "next": next_url, "csrf": csrf, "username": username}
    response = render(request, "login.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(CSRF_COOKIE, csrf, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/auth/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_url=_safe_next(next))


@router.post("/auth/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            request,
            error="The form expired; please try again.",
            next_url=_safe_next(next),
            username=username[:80],
            status=403,
        )
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit("auth", client_key(request), settings.rate_limit_auth)
    name = username.strip().lower()
    await limiter.check("login-failures", name, settings.rate_limit_login_failures)
    user = await service.authenticate(session, username=name, password=password)
    if user is None:
        await limiter.hit("login-failures", name, settings.rate_limit_login_failures)
        return _login_page(
            request,
            error="Wrong username or password.",
            next_url=_safe_next(next),
            username=username[:80],
            status=401,
        )
    await service.password_signed_in(session, user=user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    sign_in(response, request, user, settings.effective_secret_key)
    return response


def _signup_page(
    request: Request, *, open_: bool, error: str = "", username: str = "", status: int = 200
) -> Response:
    csrf = request.cookies.get(CSRF_COOKIE) or security.new_secret()
    context = {"error": error, "csrf": csrf, "open": open_, "username": username}
    response = render(request, "signup.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(CSRF_COOKIE, csrf, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/auth/signup", response_class=HTMLResponse)
async def signup_form(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    open_ = await service.open_signup(session, default=settings.open_signup)
    return _signup_page(request, open_=open_)


@router.post("/auth/signup", response_class=HTMLResponse)
async def signup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create a candidate account from the form and sign it in."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _signup_page(
            request, open_=True, error="The form expired; please try again.", status=403
        )
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit("auth", client_key(request), settings.rate_limit_auth)
    if not await service.open_signup(session, default=settings.open_signup):
        return _signup_page(request, open_=False, status=403)
    try:
        user = await service.create_user(
            session, username=username.strip(), password=password, role="candidate"
        )
    except (InvalidAccount, Conflict) as error:
        return _signup_page(
            request, open_=True, error=str(error), username=username[:40], status=422
        )
    response = RedirectResponse("/progress", status_code=303)
    sign_in(response, request, user, settings.effective_secret_key)
    return response


@router.get("/auth/link/{token}")
async def login_link(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """A one-time sign-in link (printed by `viva serve` in local mode or `viva users link`)."""
    user = await service.use_login_link(session, token=token)
    response = RedirectResponse("/progress", status_code=303)
    sign_in(response, request, user, settings.effective_secret_key)
    return response


@router.post("/auth/logout")
async def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


async def _assignments_page(
    request: Request,
    session: SessionDep,
    admin: User,
    *,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    # the same listing GET /api/v1/users gives an admin, split by role
    users = await service.list_users(session, order_by="username")
    interviewers = [u for u in users if u.role is Role.INTERVIEWER]
    candidates = [u for u in users if u.role is Role.CANDIDATE]
    assigned = [(i, await public.candidates_of(session, interviewer=i)) for i in interviewers]
    context = {
        "user": admin,
        "interviewers": interviewers,
        "candidates": candidates,
        "assigned": assigned,
        "message": message,
        "error": error,
    }
    return render_private(request, "admin_assignments.html", context, status=status)


@router.get("/admin/assignments", response_class=HTMLResponse)
async def assignments_page(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """An admin assigns candidates to interviewers (as POST /api/v1/assignments does)."""
    admin = require_role(await resolve(request, session, settings), Role.ADMIN)
    return await _assignments_page(request, session, admin)


@router.post("/admin/assignments", response_class=HTMLResponse)
async def assign_candidate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    interviewer_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    candidate_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    admin = require_role(await resolve(request, session, settings), Role.ADMIN)
    try:
        await service.assign(
            session, interviewer_id=interviewer_id, candidate_id=candidate_id, actor=admin
        )
    except InvalidAccount as error:
        return await _assignments_page(
            request, session, admin, error=error.detail, status=error.status
        )
    interviewer = await public.get_user(session, user_id=interviewer_id)
    candidate = await public.get_user(session, user_id=candidate_id)
    assert interviewer is not None and candidate is not None  # assign() checked both
    done = f"{candidate.username} is assigned to {interviewer.username}."
    return await _assignments_page(request, session, admin, message=done)
