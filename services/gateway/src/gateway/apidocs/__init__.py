"""The API document in a browser, offline: /docs (Swagger UI) and /redoc (Redoc) served
from vendored assets (static/VERSIONS), so a store network closed to the internet still
gets a working page. FastAPI's own CDN-backed pages are switched off in create_app."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
ASSETS = "/apidocs-static"
DOCS = "/docs"
REDOC = "/redoc"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# Everything from the gateway itself; Redoc styles inline and runs its search in a blob worker.
REDOC_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; script-src 'self'; connect-src 'self'; object-src 'none'"
)

router = APIRouter(include_in_schema=False)


def _openapi_url(request: Request) -> str:
    app: FastAPI = request.app
    return f"{request.scope.get('root_path', '')}{app.openapi_url or '/openapi.json'}"


@router.get(DOCS)
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} API",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/swagger-ui/favicon-32x32.png",
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
        swagger_ui_parameters={"persistAuthorization": True, "displayOperationId": True},
    )


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC)
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} API",
        redoc_js_url=f"{root}{ASSETS}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    )
    # Redoc's bundle draws a logo from cdn.redoc.ly; the browser must not even ask for it.
    page.headers["Content-Security-Policy"] = REDOC_CSP
    return page


def install(app: FastAPI) -> None:
    """Add /docs and /redoc backed by the vendored assets; create_app must pass
    `docs_url=None, redoc_url=None` so FastAPI's CDN pages are not served too."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=STATIC), name="apidocs-static")


def operation_id(route: APIRoute) -> str:
    """Stable, readable operation ids ("orders-get_receipt"): a client generator's method
    names survive reordering routes or changing paths, unlike FastAPI's path-derived ids."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{re.sub(r'[^a-z0-9]+', '-', tag.lower()).strip('-')}-{route.name}"
