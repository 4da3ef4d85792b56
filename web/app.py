"""The review desk: a server-rendered web application where staff work the exception queue.

create_app(db_url) builds the FastAPI application. Every page needs a signed-in staff account; sessions are
kept in the database (web.sessions); every form carries the session's CSRF token; request bodies are limited
before they are parsed (web.body_limit); every action is recorded in the audit trail (storage review_actions).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from storage.settings import compliance_home
from web import auth
from web.body_limit import BodyLimit
from web.sessions import SIGNED_IN_HOURS, ServerSessions

HERE = Path(__file__).parent
SESSION_HOURS = SIGNED_IN_HOURS


@dataclass
class DeskConfig:
    db_url: str | None
    home: Path
    as_of: date | None  # fixed "today" (demos, tests); None: today in the district's time zone
    policy_path: Path | None
    timezone: str

    def zone(self) -> ZoneInfo:
        """The district's time zone, for every time on the desk's pages."""
        try:
            return ZoneInfo(self.timezone)
        except Exception:
            from flows.localtime import FALLBACK_ZONE

            return ZoneInfo(FALLBACK_ZONE)

    def today(self) -> date:
        if self.as_of:
            return self.as_of
        try:
            return datetime.now(ZoneInfo(self.timezone)).date()
        except Exception:
            return date.today()


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str = "Your account may not do this.") -> None:
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    pass


def create_app(
    db_url: str | None = None, *, home: Path | None = None, as_of: date | None = None,
    policy_path: Path | None = None, https_only: bool = False,
) -> FastAPI:
    """The review desk application on a database (default: the configured one). https_only marks the
    session cookie Secure (the command line decides: on unless the desk listens on loopback only)."""
    from extractors.filetypes import Limits
    from flows.service_settings import load_settings
    from storage.db import database

    home = home or compliance_home()
    settings = load_settings(home)
    database(db_url)  # open and migrate now, not on the first page
    cfg = DeskConfig(db_url, home, as_of, policy_path or settings.policy_path, settings.sweep.timezone)
    app = FastAPI(title="Facility-use compliance: review desk", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.desk = cfg
    app.state.templates = make_templates(cfg.zone())
    app.add_middleware(ServerSessions, db_url=db_url, secure=https_only, hours=SESSION_HOURS)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # outermost: an oversized body is refused before any other layer (or the form parser) reads it
    app.add_middleware(BodyLimit, upload_bytes=Limits.from_env().max_bytes)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", {"title": "Not allowed", "message": exc.message}, status_code=403)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return render(
            request, "error.html",
            {"title": "Form expired", "message": "This form is out of date or did not come from this site. "
             "Go back, reload the page and try again."}, status_code=403,
        )

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", {"title": "Not found", "message": getattr(exc, "detail", "") or
                                              "There is nothing at this address."}, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def _bad_address(request: Request, exc: RequestValidationError) -> Response:
        # /documents/abc: a wrong address is "not found" to staff, not a JSON error
        in_path = any((e.get("loc") or ("",))[0] == "path" for e in exc.errors())
        if in_path:
            return render(request, "error.html", {"title": "Not found",
                                                  "message": "There is nothing at this address."}, status_code=404)
        return render(request, "error.html", {"title": "Cannot use this", "message": "The address or the form "
                      "has a value this page cannot use. Go back and check what was typed."}, status_code=400)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        logging.getLogger("web").error("%s %s failed", request.method, request.url.path, exc_info=exc)
        context = {"title": "Something went wrong", "message": "The desk could not finish this page. It has "
                   "been logged; try again, and if it happens again tell whoever looks after the system."}
        try:
            return render(request, "error.html", context, status_code=500)
        except Exception:  # the page itself cannot be drawn: say it plainly
            return HTMLResponse(f"<!doctype html><title>{context['title']}</title><h1>{context['title']}</h1>"
                                f"<p>{context['message']}</p>", status_code=500)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from web import actions, pages

    app.include_router(pages.router)
    app.include_router(actions.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


# ------------------------------------------------------------------ shared helpers of the routes


def desk(request: Request) -> DeskConfig:
    return request.app.state.desk


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = auth.new_csrf_token()
        request.session["csrf"] = token
    return token


def current_user(request: Request) -> auth.CurrentUser:
    """The signed-in account; anyone else is sent to the sign-in page."""
    user = auth.load_user(desk(request).db_url, request.session.get("uid"))
    if user is None:
        request.session.pop("uid", None)
        raise LoginRequired()
    request.state.user = user
    return user


def require(request: Request, permission: str) -> auth.CurrentUser:
    user = current_user(request)
    if not user.can(permission):
        raise Forbidden(
            "Your account may look but not change anything." if permission == "act" else
            "Your account may not see this page."
        )
    return user


async def checked_form(request: Request) -> dict[str, Any]:
    """The posted form, refused unless it carries this session's CSRF token."""
    form = await request.form()
    given = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not auth.csrf_ok(request.session.get("csrf"), str(given) if given is not None else None):
        raise CsrfFailed()
    return {k: v for k, v in form.multi_items()}


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [kind, message]][-5:]


def make_templates(zone: ZoneInfo | None = None) -> Jinja2Templates:
    from flows.localtime import district_zone
    from web import present

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    zone = zone or district_zone()
    templates.env.filters.update(present.filters_for(zone))
    templates.env.globals["TIME_ZONE"] = zone.key
    templates.env.globals.update(present.GLOBALS)
    return templates


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    messages = request.session.pop("flash", []) if "session" in request.scope else []
    kept = request.session.pop("kept", {}) if "session" in request.scope else {}  # a refused form's values
    ctx = {
        "request": request, "user": user, "csrf_value": csrf_token(request) if "session" in request.scope else "",
        "flashes": messages, "today": desk(request).today(), "kept": kept, **context,
    }
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status_code)
