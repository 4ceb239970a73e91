"""The host's own HTTP routes; the kit adds its routes beside them."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def status(_request: Request) -> JSONResponse:
    """Answer who serves this app."""
    return JSONResponse({"app": "host", "ok": True})


host_api = Starlette(routes=[Route("/api/status", status)])
