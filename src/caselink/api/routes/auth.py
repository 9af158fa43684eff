"""Log in (a bearer token), log out, who am I, and the purpose recorded with reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from caselink.accounts.roles import PERMISSIONS
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import LoginIn, MeOut, OkOut, PurposeIn, TokenOut

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]


@router.post("/auth/login", response_model=TokenOut)
def login(body: LoginIn, ctx: CtxDep) -> TokenOut:
    """Exchange a name and password for a bearer token that ends after the idle timeout."""
    remote = ctx.request.client.host if ctx.request.client else None
    user = ctx.accounts.login(body.user_name, body.password, remote)
    token = ctx.accounts.issue_token(user, "login", purpose=body.purpose)
    minutes = int(ctx.accounts.policy.idle_timeout.total_seconds() // 60)
    return TokenOut(token=token, user_name=user.user_name, role=user.role, idle_timeout_minutes=minutes)


@router.post("/auth/logout", response_model=OkOut)
def logout(ctx: CtxDep) -> OkOut:
    """End this token or session."""
    ctx.accounts.end(authenticate(ctx))
    return OkOut(ok=True)


def _me(ctx: Ctx) -> MeOut:
    p = ctx.user
    return MeOut(user_name=p.user_name, role=p.role, scope=[f"{k}={v}" for k, v in p.scope.pairs()],
                 purpose=p.purpose, permissions=sorted(PERMISSIONS.get(p.role, ())))


@router.get("/me", response_model=MeOut)
def me(ctx: CtxDep) -> MeOut:
    """The logged-in user, their role, scope, permissions and current purpose."""
    authenticate(ctx)
    return _me(ctx)


@router.put("/me/purpose", response_model=MeOut)
def set_purpose(body: PurposeIn, ctx: CtxDep) -> MeOut:
    """Set the investigation reference recorded with every read from now on (changeable)."""
    principal = authenticate(ctx)
    ctx.principal = ctx.accounts.set_purpose(principal, body.purpose)
    return _me(ctx)
