"""The console: browser pages served by the gateway (server-rendered Jinja2 + htmx).

`install(app)` adds the pages, their static files and the redirect of pages that need a
sign-in. Pages reuse the API's gRPC clients, mappers and scoping; see CONVENTIONS.md.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.console.pages import auth, customer, dashboard, store, track
from gateway.console.render import HERE, is_htmx, settings_of
from gateway.console.session import PageRedirect, clear_session

router = APIRouter(include_in_schema=False)
for _area in (auth, customer, track, store, dashboard):
    router.include_router(_area.router)

STATIC_PATH = "/static"


def static_files() -> StaticFiles:
    return StaticFiles(directory=HERE / "static")


async def on_page_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRedirect)
    response: Response
    if is_htmx(request):
        # htmx would swap the sign-in page into a fragment; tell it to navigate instead.
        response = JSONResponse(None, status_code=200, headers={"HX-Redirect": exc.location})
    else:
        response = RedirectResponse(exc.location, status_code=303)
    if exc.clear_session:
        clear_session(response, settings_of(request))
    return response


def install(app: FastAPI) -> None:
    """Mount the console on the gateway app."""
    app.include_router(router)
    app.mount(STATIC_PATH, static_files(), name="static")
    app.add_exception_handler(PageRedirect, on_page_redirect)
