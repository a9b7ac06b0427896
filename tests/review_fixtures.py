"""Small made-up documents for the review tool tests (written into tmp dirs)."""

from __future__ import annotations

from pathlib import Path

PLAN = """UỶ BAN NHÂN DÂN
TỈNH HÀ GIANG
Số: 123/KH-UBND

Hà Giang, ngày 05 tháng 3 năm 2024

KẾ HOẠCH
Triển khai chuyển đổi số năm 2024

Căn cứ Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ;

I. NHIỆM VỤ

1. Sở Thông tin và Truyền thông chủ trì, phối hợp với Sở Nội vụ tổ chức đào tạo kỹ năng số cho 100% cán bộ, công chức trước ngày 30/9/2024.

2. Sở Tài chính chủ trì bố trí kinh phí cho các nhiệm vụ chuyển đổi số của tỉnh trong năm 2024.

3. Văn phòng UBND tỉnh chủ trì nâng cấp Cổng dịch vụ công, bảo đảm tối thiểu 80% hồ sơ được xử lý trực tuyến.

4. Công an tỉnh chủ trì triển khai ứng dụng VNeID cho người dân trên địa bàn tỉnh.

Sở Y tế triển khai bệnh án điện tử tại các bệnh viện tuyến tỉnh.

Đôn đốc thực hiện Kế hoạch này là trách nhiệm chung của cả hệ thống chính trị.

II. TỔ CHỨC THỰC HIỆN

Thời gian qua, các cơ quan đã triển khai nhiều nhiệm vụ; Sở Giáo dục và Đào tạo tiếp tục triển khai học bạ số trong năm 2024.

Nơi nhận:
- Như trên;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn An
"""

INJECT = """UỶ BAN NHÂN DÂN
TỈNH BẠC LIÊU
Số: 77/CV-UBND

Bạc Liêu, ngày 10 tháng 4 năm 2024

CÔNG VĂN
Về việc <script>alert("x")</script> chuyển đổi số

1. Sở Thông tin và Truyền thông chủ trì triển khai nền tảng <script>window.pwned=1</script> số trước ngày 31/12/2024.

2. Sở Nội vụ chủ trì số hóa hồ sơ cán bộ, công chức trong năm 2024.
"""


MISSED = "Sở Giáo dục và Đào tạo tiếp tục triển khai học bạ số trong năm 2024."


def write_docs(root: Path) -> dict[str, Path]:
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in (("hg_kehoach.txt", PLAN), ("bl_congvan.txt", INJECT)):
        p = corpus / name
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out


def build(root: Path, pdf: bool = False):
    """Process the made-up documents (and, with ``pdf``, a one-page scan of PLAN) into
    root/o.db; returns (Review, {name: Document})."""
    from extractor.pipeline import Pipeline
    from extractor.review.api import Review
    from extractor.store import Store

    docs = write_docs(root)
    if pdf:
        from extractor.lab.corpus_build import build_pdf, build_scan

        born = build_pdf(docs["hg_kehoach.txt"], root / "tmp" / "hg_kehoach.pdf")
        docs["hg_scan.pdf"] = build_scan(born, root / "corpus" / "hg_scan.pdf", dpi=150, angles=(0.2, 0.4), noise=2.0,
                                         specks=0.0, quality=70, seed=1, pages=[1])
    pl = Pipeline(linker="lexical")
    store = Store(root / "o.db")
    review = Review(root / "o.db", root / "annotations", cache=root / "cache")
    out = {}
    for name, p in docs.items():
        d = pl.process(p)
        store.save(d)
        review.cache_source(d.source)
        out[name] = d
    return review, out
