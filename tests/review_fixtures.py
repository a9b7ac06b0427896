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


def write_docs(root: Path) -> dict[str, Path]:
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in (("hg_kehoach.txt", PLAN), ("bl_congvan.txt", INJECT)):
        p = corpus / name
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out
