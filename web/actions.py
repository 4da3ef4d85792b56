"""The desk's actions (POST). Each one checks the CSRF token and the role, does its work through web.desk
(which records the audit entry and re-checks the affected requests) and returns to the page it came from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from storage import web_repo
from storage.db import database
from web import auth
from web import desk as actions
from web.app import checked_form, desk, flash, render, require
from web.desk import DeskError, Outcome, UnknownTarget

router = APIRouter()


def _back(form: dict[str, Any], default: str) -> str:
    target = str(form.get("back") or "")
    return target if target.startswith("/") and not target.startswith("//") else default


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _say_outcome(
    request: Request, act: Callable[[], Outcome], errors: tuple[type[Exception], ...] = (DeskError,),
    keep: tuple[str, dict[str, Any]] | None = None,
) -> None:
    """Run a desk action and tell the user what came of it: its outcome, or why nothing was saved. A refused
    form keeps what was typed (`keep`: the form's name and its values), so the page shows it again."""
    try:
        flash(request, act().message)
    except errors as e:
        flash(request, f"Not saved: {e}", "error")
        if keep:
            request.session["kept"] = {keep[0]: {k: v for k, v in keep[1].items()
                                                 if isinstance(v, str) and k != "csrf_token"}}


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


# ------------------------------------------------------------------ sign-in


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    cfg = desk(request)
    username = str(form.get("username", ""))
    result = auth.login(cfg.db_url, username, str(form.get("password", "")), _remote(request))
    nxt = _back({"back": form.get("next")}, "/queue")
    if result.user is None:
        return render(request, "login.html", {"error": result.error, "next": nxt, "username": username},
                      status_code=401)
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in person
    request.session["uid"] = result.user.id
    request.session["csrf"] = auth.new_csrf_token()
    return _go(nxt)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return _go("/login")


# ------------------------------------------------------------------ findings


@router.post("/findings/{finding_id}/decide")
async def decide(request: Request, finding_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    kind = "resolved" if form.get("kind") == "resolved" else "waived"

    def act() -> Outcome:
        expires = date.fromisoformat(str(form["expires_on"])) if form.get("expires_on") else None
        return actions.decide_finding(cfg.db_url, user.username, finding_id, kind, str(form.get("reason", "")),
                                      expires, cfg.today(), cfg.policy_path)

    _say_outcome(request, act, (ValueError,), keep=(f"decide-{finding_id}", form))  # a mistyped expiry date too
    return _go(_back(form, "/queue"))


@router.post("/waivers/{waiver_id}/revoke")
async def revoke(request: Request, waiver_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    _say_outcome(request, lambda: actions.revoke_waiver(cfg.db_url, user.username, waiver_id,
                                                        str(form.get("reason", "")), cfg.today(), cfg.policy_path),
                 keep=(f"revoke-{waiver_id}", form))
    return _go(_back(form, "/queue"))


# ------------------------------------------------------------------ documents


@router.post("/fields/{field_id}/correct")
async def correct(request: Request, field_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    with database(cfg.db_url).session() as s:
        f = web_repo.field_row(s, field_id)
        doc_type = f.segment.doc_type if f else None
    if not user.may_see(doc_type):
        return _go("/queue")
    _say_outcome(request, lambda: actions.correct_field(cfg.db_url, user.username, field_id,
                                                        str(form.get("value", "")), str(form.get("reason", "")),
                                                        cfg.today(), cfg.policy_path, clear=form.get("clear") == "1"),
                 keep=(f"correct-{field_id}", form))
    return _go(_back(form, "/queue"))


@router.post("/segments/{segment_id}/link")
async def link(request: Request, segment_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    _say_outcome(request, lambda: actions.link_document(cfg.db_url, user.username, segment_id,
                                                        str(form.get("org_id", "")), str(form.get("reason", "")),
                                                        cfg.today(), cfg.policy_path),
                 keep=(f"link-{segment_id}", form))
    return _go(_back(form, "/tray"))


@router.post("/segments/{segment_id}/set-aside")
async def set_aside_segment(request: Request, segment_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    _say_outcome(request, lambda: actions.set_aside(cfg.db_url, user.username, "segment", segment_id,
                                                    str(form.get("reason", ""))),
                 keep=(f"aside-{segment_id}", form))
    return _go(_back(form, "/tray"))


@router.post("/files/{document_id}/set-aside")
async def set_aside_file(request: Request, document_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    _say_outcome(request, lambda: actions.set_aside(cfg.db_url, user.username, "file", document_id,
                                                    str(form.get("reason", ""))),
                 keep=(f"file-{document_id}", form))
    return _go(_back(form, "/tray"))


@router.post("/segments/{segment_id}/reclassify")
async def reclassify(request: Request, segment_id: int) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    kind = str(form.get("doc_type", ""))
    if not user.may_see(kind or None):
        return _go("/tray")
    from starlette.concurrency import run_in_threadpool

    async def act_async() -> None:
        try:
            out = await run_in_threadpool(actions.reclassify, cfg.db_url, user.username, segment_id, kind,
                                          str(form.get("org_id") or "") or None, str(form.get("reason", "")),
                                          cfg.today(), cfg.policy_path)
            flash(request, out.message)
        except DeskError as e:
            flash(request, f"Not saved: {e}", "error")
            request.session["kept"] = {f"kind-{segment_id}": {k: v for k, v in form.items()
                                                              if isinstance(v, str) and k != "csrf_token"}}

    await act_async()
    return _go(_back(form, "/tray"))


@router.post("/upload")
async def upload(request: Request) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    back = _back(form, "/queue")
    file = form.get("file")
    if file is None or not hasattr(file, "read") or not getattr(file, "filename", ""):
        flash(request, "Choose a file to upload.", "error")
        return _go(back)
    from extractors.filetypes import Limits

    most = Limits.from_env().max_bytes  # the watch folder's limit (the body was limited before parsing too)
    data = await file.read(most + 1)
    if len(data) > most:
        flash(request, f"The file is larger than {most / 1024 / 1024:.0f} MB.", "error")
        return _go(back)
    from starlette.concurrency import run_in_threadpool

    try:
        out = await run_in_threadpool(
            actions.upload_document, cfg.db_url, user.username, file.filename, data, cfg.today(),
            str(form.get("org_id") or "") or None, str(form.get("request_id") or "") or None,
            str(form.get("note", "")), cfg.policy_path,
        )
        flash(request, out.message)
        doc_id = getattr(out, "document_id", None)
        if form.get("open_document") == "1" and doc_id:
            return _go(f"/documents/{doc_id}")
    except UnknownTarget as e:  # not something the desk's own forms send
        return render(request, "error.html", {"title": "Not received", "message": str(e)}, status_code=400)
    except DeskError as e:
        flash(request, f"Not received: {e}", "error")
    return _go(back)


# ------------------------------------------------------------------ notices


@router.post("/requests/{request_id}/notice")
async def send_notice(request: Request, request_id: str) -> Response:
    form = await checked_form(request)
    user = require(request, "act")
    cfg = desk(request)
    from starlette.concurrency import run_in_threadpool

    try:
        out = await run_in_threadpool(actions.send_deficiency, cfg.db_url, user.username, request_id)
        flash(request, out.message)
    except DeskError as e:
        flash(request, str(e), "error")
    return _go(_back(form, f"/requests/{request_id}"))


# ------------------------------------------------------------------ registry upkeep


def _text_form(form: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/organizations")
async def organization_create(request: Request) -> Response:
    return await _save_registry_record(request, "organization")


@router.post("/organizations/{org_id}")
async def organization_save(request: Request, org_id: str) -> Response:
    return await _save_registry_record(request, "organization", org_id)


@router.post("/requests-new")
async def request_create(request: Request) -> Response:
    return await _save_registry_record(request, "request")


@router.post("/requests/{request_id}/edit")
async def request_save(request: Request, request_id: str) -> Response:
    return await _save_registry_record(request, "request", request_id)


_REGISTRY_FORMS = {  # kind: (save, key field, form page, the form's name in the page, record's address)
    "organization": (actions.save_organization, "org_id", "org_form.html", "o", "/organizations/"),
    "request": (actions.save_request, "request_id", "request_form.html", "v", "/requests/"),
}


async def _save_registry_record(request: Request, kind: str, key: str | None = None) -> Response:
    """Create (no key) or change an organization or a request from its form; on a mistake the form comes
    back filled in, with what is wrong."""
    save, key_field, template, name, address = _REGISTRY_FORMS[kind]
    form = _text_form(await checked_form(request))
    user = require(request, "registry")
    cfg = desk(request)
    if key is not None:
        form[key_field] = key
    try:
        out = save(cfg.db_url, user.username, form, cfg.today(), key is None, cfg.policy_path)
    except DeskError as e:
        page: dict[str, Any] = {name: form, "creating": key is None, "error": e}
        if kind == "request":
            page["orgs"] = _orgs(request)
            with database(cfg.db_url).session() as s:
                page["places"] = web_repo.places(s)
        return render(request, template, page, status_code=400)
    flash(request, out.message)
    return _go(address + form[key_field].strip())


def _orgs(request: Request) -> list[Any]:
    with database(desk(request).db_url).session() as s:
        return web_repo.organization_rows(s)

