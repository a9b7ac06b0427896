"""Review app safety rules: path traversal (encoded too), body limit, token, CSRF,
stale version over HTTP, HTML escaping of document text."""

import json
import os

import pytest
from starlette.testclient import TestClient

from extractor.review.app import MAX_BODY, create_app
from review_fixtures import build


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("review-safety")
    review, _ = build(root)
    (root / "secret.json").write_text('{"schema": "dti-gold/1", "secret": "do not serve"}')
    return review, root


def _client(review, token=None):
    c = TestClient(create_app(review, token=token), base_url="http://127.0.0.1:8765")
    c.csrf = c.app.app.state.csrf
    return c


def _doc(review, name):
    return next(d["id"] for d in review.documents() if d["name"] == name)


def _post(c, url, body, **headers):
    return c.post(url, content=json.dumps(body), headers={"Content-Type": "application/json",
                                                          "X-CSRF-Token": c.csrf, **headers})


def test_path_traversal_is_refused(env):
    review, root = env
    c = _client(review)
    for bad in ("..%2Fsecret.json", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", ".reviewers%2F..%2F..%2Fsecret.json",
                "%2e%2e%2fsecret.json"):
        r = c.get("/annotations/" + bad)
        assert r.status_code == 400, bad
        assert "do not serve" not in r.text and "root:" not in r.text
    os.symlink(root / "secret.json", root / "annotations" / "link.json")
    r = c.get("/annotations/link.json")
    assert r.status_code == 400 and "outside" in r.text
    st = review.load(_doc(review, "bl_congvan.txt"))
    review.save(st, "Lan")
    r = c.get("/annotations/bl_congvan.json")
    assert r.status_code == 200 and r.json()["source"] == "bl_congvan.txt"
    assert c.get("/api/doc/..%2F..%2Fetc").status_code in (400, 404)


def test_oversized_body_gets_413(env):
    review, _ = env
    c = _client(review)
    doc_id = _doc(review, "hg_kehoach.txt")
    big = {"state": {"doc_id": doc_id, "version": "none", "units": []}, "pad": "x" * (MAX_BODY + 10)}
    r = _post(c, f"/api/doc/{doc_id}/save", big)
    assert r.status_code == 413 and "KB" in r.json()["error"]

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b"x" * 65536

    r = c.post(f"/api/doc/{doc_id}/save", content=chunks(), headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 413


def test_token_required_and_checked(env):
    review, _ = env
    c = _client(review, token="s3cret-token")
    assert c.get("/").status_code == 401
    assert c.get("/api/documents", headers={"X-Review-Token": "wrong"}).status_code == 401
    assert c.get("/api/documents", headers={"X-Review-Token": "s3cret-token"}).status_code == 200
    r = c.get("/?token=s3cret-token")
    assert r.status_code == 200 and "review_token=s3cret-token" in r.headers["set-cookie"]
    assert c.get("/accuracy").status_code == 200  # the cookie now carries it
    c.cookies.clear()
    assert _post(c, f"/api/doc/{_doc(review, 'hg_kehoach.txt')}/save", {}).status_code == 401


def test_non_loopback_host_needs_token(env, monkeypatch):
    from extractor.cli.review import serve
    from extractor.review.files import ReviewError

    review, root = env
    monkeypatch.delenv("EXTRACTOR_REVIEW_TOKEN", raising=False)
    with pytest.raises(ReviewError, match="--token"):
        serve(review.db_path, root / "annotations", host="0.0.0.0", port=0)


def test_csrf_and_origin(env):
    review, _ = env
    c = _client(review)
    doc_id = _doc(review, "hg_kehoach.txt")
    st = c.get(f"/api/doc/{doc_id}").json()["state"]
    body = {"state": st, "action": {"op": "accept", "uid": st["units"][0]["uid"]}, "reviewer": "Lan"}
    r = c.post(f"/api/doc/{doc_id}/action", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    assert _post(c, f"/api/doc/{doc_id}/action", body, **{"X-CSRF-Token": "nope"}).status_code == 403
    assert _post(c, f"/api/doc/{doc_id}/action", body, Origin="http://evil.example").status_code == 403
    r = _post(c, f"/api/doc/{doc_id}/action", body, Origin="http://127.0.0.1:8765")
    assert r.status_code == 200 and r.json()["state"]["units"][0]["status"] == "accepted"
    assert c.csrf in c.get(f"/doc/{doc_id}").text  # the page carries the token for its scripts


def test_stale_save_over_http_is_409(env):
    review, _ = env
    c = _client(review)
    doc_id = _doc(review, "hg_kehoach.txt")
    tab1 = c.get(f"/api/doc/{doc_id}").json()["state"]
    tab2 = c.get(f"/api/doc/{doc_id}").json()["state"]
    assert _post(c, f"/api/doc/{doc_id}/save", {"state": tab1, "reviewer": "Lan"}).status_code == 200
    r = _post(c, f"/api/doc/{doc_id}/save", {"state": tab2, "reviewer": "Minh"})
    assert r.status_code == 409 and "reload" in r.json()["error"]
    r = _post(c, f"/api/doc/{doc_id}/save", {"state": dict(tab2, doc_id="0" * 16), "reviewer": "Minh"})
    assert r.status_code == 400
    r = _post(c, f"/api/doc/{doc_id}/action", {"state": tab2, "action": {"op": "accept", "uid": "x" * 500}})
    assert r.status_code == 400 and "invalid action" in r.json()["error"]


def test_script_in_a_document_is_text(env):
    review, _ = env
    c = _client(review)
    doc_id = _doc(review, "bl_congvan.txt")
    for url in ("/", f"/doc/{doc_id}", "/accuracy"):
        r = c.get(url)
        assert r.status_code == 200
        assert "<script>window.pwned" not in r.text and "<script>alert" not in r.text
        assert "script-src 'self'" in r.headers["content-security-policy"]
    data = c.get(f"/api/doc/{doc_id}").json()
    assert "<script>window.pwned=1</script>" in data["text"]  # the API gives the text as is; the page uses textContent
    assert r.headers["x-content-type-options"] == "nosniff"
    assert c.get("/doc/zzzz").status_code == 400  # not a document id: a page with the message, not a traceback
