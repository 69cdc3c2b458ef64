"""REST API v1 of accounts: OAuth2 password flow, refresh rotation, me, API keys, users, audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from viva.accounts import public, security, service
from viva.accounts.models import ApiKey, User
from viva.accounts.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AssignmentIn,
    AuditOut,
    PasswordIn,
    RatingIn,
    RefreshIn,
    SignupIn,
    SiteSettingsIn,
    SiteSettingsOut,
    TokenPair,
    UserIn,
    UserOut,
    UserPatch,
)
from viva.deps import CurrentPrincipal, DbId, SessionDep, SettingsDep, client_key
from viva.errors import AuthFailed, Forbidden, problem_responses
from viva.infra.ratelimit import RateLimiter

router = APIRouter(
    prefix="/api/v1", tags=["accounts"], responses=problem_responses(401, 403, 404, 409, 422, 429)
)


def _user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


def _key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key, from_attributes=True)


async def _pair(
    session: SessionDep, settings: SettingsDep, user: User, refresh: str | None = None
) -> TokenPair:
    access = security.encode_token(
        user_id=user.id,
        role=user.role,
        kind="access",
        ttl=security.ACCESS_TTL,
        key=settings.effective_secret_key,
        version=user.token_version,
    )
    refresh = refresh or await service.issue_refresh(session, user=user)
    return TokenPair(
        access_token=access,
        expires_in=int(security.ACCESS_TTL.total_seconds()),
        refresh_token=refresh,
    )


@router.post("/auth/token", response_model=TokenPair)
async def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenPair:
    """OAuth2 password flow: a 15-minute access token and a rotating refresh token."""
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit("auth", client_key(request), settings.rate_limit_auth)
    username = form.username.strip().lower()
    await limiter.check("login-failures", username, settings.rate_limit_login_failures)
    user = await service.authenticate(session, username=username, password=form.password)
    if user is None:
        await limiter.hit("login-failures", username, settings.rate_limit_login_failures)
        raise AuthFailed("wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    await service.password_signed_in(session, user=user)
    return await _pair(session, settings, user)


@router.post("/auth/signup", response_model=UserOut, status_code=201)
async def signup(
    body: SignupIn, request: Request, session: SessionDep, settings: SettingsDep
) -> UserOut:
    """Create a candidate account, when an admin has sign-up open."""
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit("auth", client_key(request), settings.rate_limit_auth)
    if not await service.open_signup(session, default=settings.open_signup):
        raise Forbidden("sign-up is closed on this server; ask an admin for an account")
    user = await service.create_user(
        session, username=body.username, password=body.password, role="candidate"
    )
    return _user_out(user)


@router.get("/admin/settings", response_model=SiteSettingsOut)
async def get_site_settings(session: SessionDep, settings: SettingsDep) -> SiteSettingsOut:
    return SiteSettingsOut(
        open_signup=await service.open_signup(session, default=settings.open_signup)
    )


@router.put("/admin/settings", response_model=SiteSettingsOut)
async def put_site_settings(
    body: SiteSettingsIn, principal: CurrentPrincipal, session: SessionDep
) -> SiteSettingsOut:
    await service.set_open_signup(session, value=body.open_signup, actor=principal.user)
    return SiteSettingsOut(open_signup=body.open_signup)


@router.post("/questions/{question_id}/reveal", status_code=204)
async def reveal(question_id: DbId, principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Record that the model answer was revealed (progress counts reveals)."""
    await service.record_attempt(
        session, user=principal.user, question_id=question_id, kind="reveal"
    )
    return Response(status_code=204)


@router.post("/questions/{question_id}/rating", status_code=204)
async def rate(
    question_id: DbId, body: RatingIn, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Record a self-rating of how well the question was answered."""
    await service.record_attempt(
        session, user=principal.user, question_id=question_id, kind="rating", value=body.rating
    )
    return Response(status_code=204)


@router.post("/auth/refresh", response_model=TokenPair)
async def refresh(
    body: RefreshIn, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenPair:
    """Spend a refresh token for a new pair; a token works once."""
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit("auth", client_key(request), settings.rate_limit_auth)
    user, new_refresh = await service.rotate_refresh(session, token=body.refresh_token)
    return await _pair(session, settings, user, new_refresh)


@router.post("/auth/revoke", status_code=204)
async def revoke(body: RefreshIn, session: SessionDep) -> Response:
    await service.revoke_refresh(session, token=body.refresh_token)
    return Response(status_code=204)


@router.post("/auth/logout-everywhere", status_code=204)
async def logout_everywhere(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """Sign out on every device: every access token, session cookie and refresh token of the
    account stops working (within the auth cache's bound on other processes; README)."""
    await service.sign_out_everywhere(session, user_id=principal.user.id)
    return Response(status_code=204)


@router.put("/me/password", response_model=TokenPair)
async def change_password(
    body: PasswordIn,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenPair:
    """Change the password; every earlier token and cookie stops working, and a new pair for
    this client is returned."""
    limiter: RateLimiter = request.app.state.rate_limiter
    name = principal.user.username
    await limiter.check("login-failures", name, settings.rate_limit_login_failures)
    try:
        user = await service.change_password(
            session, user_id=principal.user.id, current=body.current_password, new=body.new_password
        )
    except Forbidden:
        await limiter.hit("login-failures", name, settings.rate_limit_login_failures)
        raise
    return await _pair(session, settings, user)


@router.get("/me", response_model=UserOut)
async def me(principal: CurrentPrincipal) -> UserOut:
    return _user_out(principal.user)


@router.get("/me/api-keys", response_model=list[ApiKeyOut])
async def list_keys(principal: CurrentPrincipal, session: SessionDep) -> list[ApiKeyOut]:
    return [_key_out(k) for k in await service.api_keys_of(session, user=principal.user)]


@router.post("/me/api-keys", response_model=ApiKeyCreated, status_code=201)
async def create_key(
    body: ApiKeyIn, principal: CurrentPrincipal, session: SessionDep
) -> ApiKeyCreated:
    key, secret = await service.create_api_key(
        session, user=principal.user, name=body.name, scopes=list(body.scopes)
    )
    return ApiKeyCreated(**_key_out(key).model_dump(), key=secret)


@router.delete("/me/api-keys/{key_id}", status_code=204)
async def revoke_key(key_id: DbId, principal: CurrentPrincipal, session: SessionDep) -> Response:
    await service.revoke_api_key(session, user=principal.user, key_id=key_id)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut])
async def list_users(session: SessionDep) -> list[UserOut]:
    return [_user_out(u) for u in await service.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(body: UserIn, principal: CurrentPrincipal, session: SessionDep) -> UserOut:
    user = await service.create_user(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        actor=principal.user,
    )
    return _user_out(user)


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: DbId, body: UserPatch, principal: CurrentPrincipal, session: SessionDep
) -> UserOut:
    """Change a user's role or disable / re-enable the account; the user's tokens are
    revoked either way (they sign in again)."""
    user = await service.update_user(
        session, user_id=user_id, actor=principal.user, role=body.role, is_active=body.is_active
    )
    return _user_out(user)


@router.post("/assignments", status_code=204)
async def create_assignment(
    body: AssignmentIn, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Assign a candidate to an interviewer, who then sees the candidate's work."""
    await service.assign(
        session,
        interviewer_id=body.interviewer_id,
        candidate_id=body.candidate_id,
        actor=principal.user,
    )
    return Response(status_code=204)


@router.get("/me/candidates", response_model=list[UserOut])
async def my_candidates(principal: CurrentPrincipal, session: SessionDep) -> list[UserOut]:
    """The candidates assigned to the calling interviewer."""
    return [_user_out(u) for u in await public.candidates_of(session, interviewer=principal.user)]


@router.get("/audit", response_model=list[AuditOut])
async def audit(session: SessionDep) -> list[AuditOut]:
    return [
        AuditOut.model_validate(e, from_attributes=True) for e in await service.audit_log(session)
    ]
