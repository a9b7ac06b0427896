"""The review web app: a thin Starlette layer over :class:`extractor.review.api.Review`.

Safety (issue 9): a token when bound beyond loopback, checked on every request;
a 1 MB body limit (413); CSRF token + same-origin check on state-changing
requests; file names from requests confined to annotations/ (``files.safe_path``);
Jinja2 autoescaping and a strict Content-Security-Policy (no inline script, so a
document holding ``<script>`` can only ever be shown as text).
"""

from __future__ import annotations

import hmac
import json
import secrets
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from extractor.review import accuracy as acc
from extractor.review import curate
from extractor.review.api import FILTERS, SORTS, Review
from extractor.review.files import ReviewError

HERE = Path(__file__).parent
MAX_BODY = 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class Guard:
    """ASGI middleware: token, body size, CSRF, security headers."""

    def __init__(self, app, token: Optional[str], csrf: str):
        self.app, self.token, self.csrf = app, token, csrf

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        req = Request(scope)
        set_cookie = False
        if self.token:
            given = (req.headers.get("x-review-token") or req.cookies.get("review_token")
                     or req.query_params.get("token") or "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return await _plain(scope, receive, send, 401, "missing or wrong review token")
            set_cookie = req.query_params.get("token") is not None
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            if not hmac.compare_digest((req.headers.get("x-csrf-token") or "").encode(), self.csrf.encode()):
                return await _plain(scope, receive, send, 403, "CSRF token missing or wrong: reload the page")
            origin = req.headers.get("origin")
            if origin and urlsplit(origin).netloc != req.headers.get("host"):
                return await _plain(scope, receive, send, 403, "cross-origin request refused")
        length = req.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY:
            return await _plain(scope, receive, send, 413, f"request body over {MAX_BODY // 1024} KB")
        receive_app = receive
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            # read the body here (at most 1 MB + 1 byte), so an oversized one is refused before any handler runs
            chunks, seen, more = [], 0, True
            while more:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                chunks.append(msg.get("body", b""))
                seen += len(chunks[-1])
                more = msg.get("more_body", False)
                if seen > MAX_BODY:
                    return await _plain(scope, receive, send, 413, f"request body over {MAX_BODY // 1024} KB")
            body = b"".join(chunks)
            sent = False

            async def receive_app():
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

        async def send_with_headers(msg):
            if msg["type"] == "http.response.start":
                h = list(msg.get("headers", []))
                h += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                      (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
                if set_cookie:
                    h.append((b"set-cookie", f"review_token={self.token}; HttpOnly; SameSite=Strict; Path=/".encode()))
                msg = {**msg, "headers": h}
            await send(msg)

        await self.app(scope, receive_app, send_with_headers)


async def _plain(scope, receive, send, status: int, msg: str):
    resp = JSONResponse({"error": msg}, status_code=status) if scope["path"].startswith("/api/") \
        else PlainTextResponse(msg, status_code=status)
    await resp(scope, receive, send)


def create_app(review: Review, token: Optional[str] = None) -> Starlette:
    import jinja2

    # autoescape on for every template, whatever its name: document text is never markup
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    templates = Jinja2Templates(env=env)
    csrf = secrets.token_urlsafe(24)

    def page(request: Request, name: str, status_code: int = 200, **ctx) -> Response:
        return templates.TemplateResponse(request, name, {"csrf": csrf, **ctx}, status_code=status_code)

    async def body(request: Request) -> dict:
        raw = await request.body()
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise ReviewError("request body is not JSON")
        if not isinstance(data, dict):
            raise ReviewError("request body must be a JSON object")
        return data

    # -------------------------------------------------------------- pages
    async def documents_page(request: Request):
        sort = request.query_params.get("sort", "name")
        filt = request.query_params.get("filter", "all")
        return page(request, "documents.html", docs=review.documents(sort, filt), sort=sort, filter=filt,
                    sorts=SORTS, filters=FILTERS)

    async def document_page(request: Request):
        row = review.document_row(request.path_params["doc_id"])
        pages = review.page_sizes(row["id"]) if row["path"].lower().endswith(".pdf") else []
        return page(request, "document.html", doc=row, pages=pages)

    async def accuracy_page(request: Request):
        data = acc.accuracy(review)
        return page(request, "accuracy.html", a=data, chart=chart(data["history"]))

    async def curate_page(request: Request):
        q = request.query_params
        data = curate.curation(review, request.path_params["doc_id"], q.get("a"), q.get("b"))
        return page(request, "curate.html", c=data)

    async def page_png(request: Request):
        p = review.page_image(request.path_params["doc_id"], int(request.path_params["n"]))
        return FileResponse(p, media_type="image/png")

    async def annotation(request: Request):
        p = review.annotation_file(request.path_params["name"])
        return FileResponse(p, media_type="application/json")

    # -------------------------------------------------------------- API
    async def api_documents(request: Request):
        q = request.query_params
        return JSONResponse(review.documents(q.get("sort", "name"), q.get("filter", "all")))

    async def api_document(request: Request):
        doc_id = request.path_params["doc_id"]
        q = request.query_params
        state = review.load(doc_id, reviewer=q.get("reviewer") or None, blind=q.get("blind") == "1")
        return JSONResponse({"state": state, "text": review.source(doc_id)["text"]})

    async def api_action(request: Request):
        data = await body(request)
        _same_doc(request, data.get("state"))
        return JSONResponse({"state": review.apply(data.get("state"), data.get("action"), _str(data, "reviewer"))})

    async def api_save(request: Request):
        data = await body(request)
        _same_doc(request, data.get("state"))
        return JSONResponse(review.save(data.get("state"), _str(data, "reviewer") or ""))

    async def api_curate(request: Request):
        data = await body(request)
        picks = data.get("picks")
        if not isinstance(picks, dict) or not all(isinstance(v, str) for v in picks.values()):
            raise ReviewError("invalid curation: picks must map row keys to a, b or none")
        out = curate.resolve(review, request.path_params["doc_id"], picks, _str(data, "curator") or "",
                             _str(data, "version") or "", _str(data, "a"), _str(data, "b"))
        return JSONResponse(out)

    async def api_agencies(request: Request):
        return JSONResponse(review.agency_names())

    async def on_review_error(request: Request, exc: ReviewError):
        status = getattr(exc, "status", 400)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return page(request, "error.html", message=str(exc), status_code=status)

    routes = [
        Route("/", documents_page),
        Route("/doc/{doc_id}", document_page),
        Route("/doc/{doc_id}/page/{n:int}.png", page_png),
        Route("/accuracy", accuracy_page),
        Route("/curate/{doc_id}", curate_page),
        Route("/annotations/{name:path}", annotation),
        Route("/api/documents", api_documents),
        Route("/api/doc/{doc_id}", api_document),
        Route("/api/doc/{doc_id}/action", api_action, methods=["POST"]),
        Route("/api/doc/{doc_id}/save", api_save, methods=["POST"]),
        Route("/api/doc/{doc_id}/curate", api_curate, methods=["POST"]),
        Route("/api/agencies", api_agencies),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={ReviewError: on_review_error})
    app.state.csrf = csrf
    return Guard(app, token, csrf)


def _str(data: dict, key: str) -> Optional[str]:
    v = data.get(key)
    if v is not None and not isinstance(v, str):
        raise ReviewError(f"invalid request: {key} must be a string")
    return v


def _same_doc(request: Request, state: Any) -> None:
    if not isinstance(state, dict) or state.get("doc_id") != request.path_params["doc_id"]:
        raise ReviewError("invalid review state: it belongs to another document")


def chart(runs: list[dict], width: int = 640, height: int = 200) -> dict[str, Any]:
    """Polyline points (SVG user units) for the accuracy history: F1 of segmentation and lead,
    deadline accuracy, one point per run."""
    series = [("segmentation", "f1", "Phân đoạn F1"), ("lead", "f1", "Chủ trì F1"),
              ("deadline", "accuracy", "Thời hạn (độ chính xác)")]
    pad, left, n = 30, 70, len(runs)  # left/right margin wide enough for a centred date + version label
    xs = [left + (width - 2 * left) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    out = []
    for key, sub, label in series:
        pts = [(x, pad + (height - 2 * pad) * (1 - float(r["figures"].get(key, {}).get(sub, 0.0))))
               for x, r in zip(xs, runs)]
        out.append({"key": key, "label": label, "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in pts),
                    "dots": pts})
    ticks = [{"y": pad + (height - 2 * pad) * (1 - v), "label": f"{v:.1f}"} for v in (0.0, 0.5, 1.0)]
    step = max(1, -(-n // 6))  # at most ~6 labelled runs, so labels never overlap
    labels = [{"x": x, "label": r["run_at"][:16].replace("T", " "), "version": r["pipeline_version"]}
              for i, (x, r) in enumerate(zip(xs, runs)) if i % step == 0 or i == n - 1]
    return {"width": width, "height": height, "series": out, "ticks": ticks, "labels": labels, "pad": pad,
            "left": left - 30}
