"""End to end in a real headless browser (Debian's chromium driven by Playwright):
review a text document and a scanned PDF's page-image view, save, check the gold file
and `eval` on it; stale saves and the local draft; screenshots into outputs/."""

import json
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT
from review_fixtures import MISSED, build

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pw = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra (make test installs it)")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (scripts/bootstrap.sh --test installs it)", allow_module_level=True)

pytestmark = pytest.mark.slow
OUT = ROOT / "outputs"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    import uvicorn

    from extractor.review.app import create_app

    root = tmp_path_factory.mktemp("review-browser")
    review, docs = build(root, pdf=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(review), host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield {"review": review, "docs": docs, "root": root, "url": f"http://127.0.0.1:{port}", "browser": browser}
        browser.close()
    server.should_exit = True
    t.join(timeout=5)


@pytest.fixture
def ctx(env):
    c = env["browser"].new_context(viewport={"width": 1600, "height": 1000}, locale="vi-VN")
    yield c
    c.close()


def _doc_id(review, name):
    return next(d["id"] for d in review.documents() if d["name"] == name)


def _card(page, text):
    return page.locator("article.card", has_text=text).first


def _select(page, start, end):
    """Select text[start:end] in the text pane, as a mouse drag would."""
    page.evaluate("""([a, b]) => {
        const spans = [...document.querySelectorAll('#text-pane [data-o]')].filter(s => s.firstChild && s.firstChild.nodeType === 3);
        const at = o => { for (const s of spans) { const s0 = +s.dataset.o, n = s.firstChild.length;
                          if (o >= s0 && o <= s0 + n) return [s.firstChild, o - s0]; } };
        const r = document.createRange(); r.setStart(...at(a)); r.setEnd(...at(b));
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
    }""", [start, end])


def _review_four(page, env, doc_id, source_name):
    """Accept one, fix a lead, reject a third (keyboard), add a missed one by selecting text."""
    text = env["review"].source(doc_id)["text"]
    _card(page, "Sở Thông tin và Truyền thông chủ trì").locator(".act-accept").click()
    page.wait_for_selector("article.card.status-accepted")
    c = _card(page, "Công an tỉnh chủ trì")
    c.locator(".act-edit").click()
    form = page.locator("form.edit")
    form.locator(".multi.lead input").first.fill("Sở Khoa học và Công nghệ")
    form.locator(".act-done").click()
    page.wait_for_selector("article.card.status-edited")
    _card(page, "Đôn đốc thực hiện Kế hoạch này là trách nhiệm chung của cả hệ thống chính trị.").locator(".ob-text").click()
    page.keyboard.press("r")
    page.wait_for_selector("article.card.status-rejected")
    m = re.search(r"Sở Giáo dục và Đào tạo tiếp tục[^\n]*?2024\.", text)
    _select(page, m.start(), m.end())
    page.locator("#add-btn").click()
    page.wait_for_selector("form.edit")
    page.locator("form.edit .multi.lead input").first.fill("Sở Giáo dục và Đào tạo")
    page.locator("form.edit .act-done").click()
    page.wait_for_selector("form.edit", state="detached")
    page.wait_for_selector("article.card.status-added dd.lead:has-text('Sở Giáo dục')")
    return m.group(0)


def _check_gold(env, name, added_text, n_pred):
    gold = json.loads((env["root"] / "annotations" / name).read_text(encoding="utf-8"))
    obs = gold["obligations"]
    st = {}
    for o in obs:
        st.setdefault(o["review"]["status"], []).append(o)
    assert [o["text"][:12] for o in st["accepted"]] == ["Sở Thông tin"]
    assert [(o["text"][:12], o["lead"]) for o in st["edited"]] == [("Công an tỉnh", ["Sở Khoa học và Công nghệ"])]
    assert [(o["text"], o["lead"]) for o in st["added"]] == [(added_text, ["Sở Giáo dục và Đào tạo"])]
    assert [r["text"] for r in gold["rejected"]] == ["Đôn đốc thực hiện Kế hoạch này là trách nhiệm chung của cả hệ thống chính trị."]
    assert len(st["pending"]) == n_pred - 3 and len(obs) == n_pred
    assert all(o["review"]["reviewer"] == "Lan" and o["review"]["at"] for o in obs if o["review"]["status"] != "pending")
    return gold


def test_review_text_document(env, ctx):
    review, url = env["review"], env["url"]
    doc_id = _doc_id(review, "hg_kehoach.txt")
    n = len(env["docs"]["hg_kehoach.txt"].obligations)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/")
    page.fill("#reviewer", "Lan")
    page.click(f"tr[data-doc='{doc_id}'] a.doc-link")
    page.wait_for_selector("article.card")
    assert page.locator("article.card").count() == n
    assert page.locator("#text-pane mark.ob .sp.agency.lead").count() >= 4
    assert page.locator("#text-pane mark.ob .sp.deadline").count() >= 1
    other = ctx.new_page()  # a second tab on the same document, opened before the save
    other.goto(f"{url}/doc/{doc_id}")
    other.wait_for_selector("article.card")
    added = _review_four(page, env, doc_id, "hg_kehoach.txt")
    assert MISSED == added
    page.keyboard.press("j")
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    # unsaved work survives a reload (local draft)
    page.reload()
    page.wait_for_selector("#banner:not([hidden])")
    assert "bản nháp" in page.inner_text("#banner")
    assert page.locator("article.card.status-rejected").count() == 1
    page.keyboard.press("s")
    page.wait_for_selector("#banner.ok")
    assert "Đã lưu hg_kehoach.json" in page.inner_text("#banner")
    gold = _check_gold(env, "hg_kehoach.json", added, n)
    assert gold["review"]["saved_by"] == "Lan"
    # `eval` on the saved gold reflects the changes
    from extractor.lab.evaluate import evaluate
    from extractor.pipeline import Pipeline

    res = evaluate(env["root"] / "annotations", Pipeline(linker=None), corpus_dirs=[env["root"] / "corpus"])
    ds = next(d for d in res["documents"] if d.name == "hg_kehoach.txt")
    assert (ds.segmentation.tp, ds.segmentation.fp, ds.segmentation.fn) == (n - 1, 1, 1)
    assert [e["gold"] for e in ds.errors if e["field"] == "lead"] == [["Sở Khoa học và Công nghệ"]]
    # the other tab's save is refused with a reload, not a silent overwrite
    _card(other, "Sở Tài chính").locator(".act-accept").click()
    other.wait_for_selector("article.card.status-accepted")
    other.click("#save-btn")
    other.wait_for_selector("#banner.error")
    assert "Tải lại" in other.inner_text("#banner")
    other.click("#banner button:has-text('Tải lại')")  # drops the stale draft, shows the saved answers
    other.wait_for_selector("article.card.status-edited")
    assert other.locator("article.card.status-accepted").count() == 1
    assert json.loads((env["root"] / "annotations" / "hg_kehoach.json").read_text())["review"]["revision"] == 1
    page.goto(url + "/accuracy")  # the first scored run of the history
    assert page.locator("#history-chart circle").count() == 3
    page.goto(f"{url}/doc/{doc_id}")
    page.wait_for_selector("article.card.status-edited")
    OUT.mkdir(exist_ok=True)
    page.locator("article.card.status-edited .ob-text").click()
    page.wait_for_timeout(400)  # smooth scrolling
    page.screenshot(path=str(OUT / "review-document.png"))
    page.goto(url + "/?sort=worst")
    page.screenshot(path=str(OUT / "review-documents.png"), full_page=True)
    assert f"4/{n + 1}" in page.inner_text(f"tr[data-doc='{doc_id}']")
    assert not errors, errors
    # the script inside a document stays text
    page.goto(f"{url}/doc/{_doc_id(review, 'bl_congvan.txt')}")
    page.wait_for_selector("article.card")
    assert page.evaluate("window.pwned === undefined")
    assert "<script>window.pwned=1</script>" in page.inner_text("#text-pane")


def test_review_scanned_pdf_page_view(env, ctx):
    review, url = env["review"], env["url"]
    doc_id = _doc_id(review, "hg_scan.pdf")
    n = len(env["docs"]["hg_scan.pdf"].obligations)
    page = ctx.new_page()
    page.goto(url + "/")
    page.fill("#reviewer", "Lan")
    page.goto(f"{url}/doc/{doc_id}")
    page.wait_for_selector("#pages-pane .page img")
    page.wait_for_function("document.querySelector('#pages-pane img').complete && "
                           "document.querySelector('#pages-pane img').naturalWidth > 0")
    boxes = page.locator("#pages-pane .box")
    assert boxes.count() == sum(1 for o in env["docs"]["hg_scan.pdf"].obligations if o.bbox)
    # a box sits where its obligation is on the page (PDF points, top-left origin)
    ob = next(o for o in env["docs"]["hg_scan.pdf"].obligations if o.text.startswith("Công an"))
    img = page.locator("#pages-pane img").bounding_box()
    i = [o.text for o in env["docs"]["hg_scan.pdf"].obligations].index(ob.text)
    box = page.locator(f"#pages-pane .box[data-i='{i}']").bounding_box()
    assert abs(box["y"] - img["y"] - ob.bbox[1] / 841.92 * img["height"]) < 3
    page.locator(f"#pages-pane .box[data-i='{i}']").click()
    assert "current" in (_card(page, "Công an tỉnh").get_attribute("class") or "")
    added = _review_four(page, env, doc_id, "hg_scan.pdf")
    page.click("#save-btn")
    page.wait_for_selector("#banner.ok")
    _check_gold(env, "hg_scan.json", added, n)
    assert page.locator("#pages-pane .box.status-rejected").count() == 1
    assert page.locator("#pages-pane .box.status-added").count() == 1  # the added one gets its lines' box
    page.screenshot(path=str(OUT / "review-document-pdf.png"))
    # two independent reviews of another document: agreement on the accuracy page, then curation
    other_id = _doc_id(review, "bl_congvan.txt")
    for who, op in (("Lan", "accept"), ("Minh", "reject")):
        st = review.load(other_id, reviewer=who, blind=True)
        st = review.apply(st, {"op": "accept", "uid": st["units"][0]["uid"]}, who)
        st = review.apply(st, {"op": op, "uid": st["units"][1]["uid"]}, who)
        review.save(st, who)
    page.goto(url + "/accuracy")
    assert page.locator("table.errors a").count() >= 4
    assert page.locator("#history-chart circle").count() == 6  # two runs: after the text document, now
    assert "Minh" in page.inner_text("main")
    page.screenshot(path=str(OUT / "review-accuracy.png"), full_page=True)
    # an error links to its place in the document page
    page.locator("table.errors a[href*='#u-']").first.click()
    page.wait_for_selector("article.card.current")
    page.goto(f"{url}/curate/{other_id}")
    row = page.locator("tr.differs")
    assert row.count() == 1
    row.locator("input[value=a]").check()
    page.click("#curate-save")
    page.wait_for_selector("#banner.ok")
    gold = review.gold("bl_congvan.txt")
    assert len(gold["obligations"]) == 2 and gold["review"]["curated_from"] == ["Lan", "Minh"]
