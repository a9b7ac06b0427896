"""Agency names in role positions blanked before linking: they say who acts, not what is done."""

from __future__ import annotations

import re
from typing import Iterable


# --------------------------------------------------------------------------- agency masking

_DEPARTMENTS = [
    r"Thông tin (?:và|-) Truyền thông", r"TT&TT", r"TTTT", r"Kế hoạch (?:và|-) Đầu tư", r"KH&ĐT", r"KHĐT",
    r"Khoa học (?:và|-) Công nghệ", r"KH&CN", r"KHCN", r"Nội vụ", r"Tư pháp", r"Tài chính", r"Công Thương",
    r"Nông nghiệp (?:và|-) (?:Phát triển nông thôn|Môi trường)", r"NN&PTNT", r"Giao thông vận tải", r"GTVT",
    r"Xây dựng", r"Tài nguyên (?:và|-) Môi trường", r"TN&MT", r"Lao động\s*-\s*Thương binh (?:và|-) Xã hội",
    r"LĐ-?TB&XH", r"Văn hóa,? Thể thao (?:và|-) Du lịch", r"Văn hóa (?:và|-) Thể thao", r"VHTT&DL", r"VHTTDL",
    r"Giáo dục (?:và|-) Đào tạo", r"GD&ĐT", r"GDĐT", r"Y tế", r"Ngoại vụ", r"Dân tộc (?:và|-) Tôn giáo",
    r"Du lịch", r"Quy hoạch\s*-\s*Kiến trúc",
]
_UB = r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)"
_AGENCY = [
    r"Sở (?:%s)" % "|".join(_DEPARTMENTS),
    r"STTTT",
    r"Văn phòng %s(?: tỉnh)?" % _UB,
    r"VP ?UBND(?: tỉnh)?",
    _UB + r" (?:tỉnh|cấp huyện|các huyện, thành phố, thị xã|các huyện, thị xã, thành phố|các huyện, thành phố)",
    r"Chủ tịch " + _UB + r" (?:tỉnh|cấp huyện|các huyện, thành phố, thị xã)",
    r"các (?:cơ quan, đơn vị|sở, ban, ngành|đơn vị|cơ quan|ngành)(?:,? địa phương)?(?: có)?(?: liên quan)?",
    r"Công an tỉnh", r"Cục Thuế(?: tỉnh)?", r"Cục Thống kê(?: tỉnh)?", r"Kho bạc Nhà nước(?: tỉnh)?",
    r"Ngân hàng Nhà nước(?: chi nhánh)?(?: tỉnh)?", r"Viễn thông [A-ZĐ]\w+(?: [A-ZĐ]\w+)?", r"Bưu điện tỉnh",
    r"các Bộ, ngành Trung ương", r"Bộ Thông tin (?:và|-) Truyền thông", r"Bộ Khoa học (?:và|-) Công nghệ",
]
_AGX = "(?:%s)" % "|".join(_AGENCY)
_AGLIST = r"%s(?:\s*(?:,|;|và)\s*%s)*" % (_AGX, _AGX)
_ROLE_BEFORE = (
    r"(?:^|(?<=[.;:]\s))(?:Giao |Yêu cầu |Đề nghị )?(?=%s)" % _AGX
    + r"|(?:phối hợp(?: chặt chẽ)?(?: với)?|chủ trì,?|\(?qua|tham mưu(?: cho)?|báo cáo(?: về)?|trình|giúp)\s+(?=%s)" % _AGX
)
_ROLE_RE = re.compile(r"(?P<pre>%s)(?P<ag>%s)" % (_ROLE_BEFORE, _AGLIST), re.IGNORECASE)


def mask_roles(text: str, spans: Iterable[tuple[int, int]] = ()) -> str:
    """Blank agency names in role positions (and the given character spans).

    Blanked characters become spaces, so offsets are kept.
    """
    chars = list(text)
    for s, e in spans:
        for k in range(max(0, s), min(len(chars), e)):
            chars[k] = " "
    out = "".join(chars)
    return _ROLE_RE.sub(lambda m: m.group("pre") + " " * len(m.group("ag")), out)


