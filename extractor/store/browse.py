"""Datasette metadata for the obligations database (``pip install .[browse]``).

``write_metadata`` adds one read-only view, ``tasks`` (an obligation per lead/support agency link, with
today's agency name, role, deadline year, DTI main index, document and status: the facets a reader
needs) and writes ``outputs/datasette.json`` with facets, the FTS table wired to search and labelled
columns, so ``datasette outputs/obligations.db --metadata outputs/datasette.json`` is ready to browse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Union

TASKS_VIEW = """
create view if not exists tasks as
select o.rowid as ob_rowid, o.id as obligation_id, o.text, coalesce(oa.current, oa.canonical) as agency,
       oa.canonical as agency_as_given, oa.role,
       coalesce(substr(o.deadline_date, 1, 4), substr(o.deadline_start, 1, 4)) as deadline_year, o.deadline_kind,
       o.deadline_text, (select substr(l.code, 1, instr(l.code, '.') - 1) from obligation_dti l
                          where l.obligation_id = o.id order by l.rank limit 1) as dti_main,
       (select group_concat(l.code, ', ') from obligation_dti l where l.obligation_id = o.id) as dti,
       d.name as document, d.number as document_number, d.province,
       coalesce((select s.status from obligation_status s where s.obligation_id = o.id), 'todo') as status,
       o.page, o.source_line
from obligations o join documents d on d.id = o.document_id
left join obligation_agencies oa on oa.obligation_id = o.id
"""

LABELS = {
    "text": "Nội dung nhiệm vụ", "agency": "Cơ quan (tên hiện nay)", "agency_as_given": "Cơ quan (như văn bản giao)",
    "role": "Vai trò (lead: chủ trì, support: phối hợp)", "deadline_year": "Năm hạn", "deadline_kind": "Loại thời hạn",
    "deadline_text": "Thời gian thực hiện", "dti_main": "Chỉ số chính DTI", "dti": "Chỉ số DTI",
    "document": "Văn bản nguồn", "document_number": "Số văn bản", "province": "Tỉnh", "status": "Trạng thái",
    "page": "Trang", "source_line": "Dòng",
}


def metadata(db_name: str) -> dict:
    fts = {"fts_table": "obligations_fts", "fts_pk": "rowid"}
    return {
        "title": "DTI obligations",
        "description": "Nhiệm vụ chuyển đổi số trích từ văn bản: ai làm gì, đến khi nào, phục vụ chỉ số DTI nào.",
        "databases": {db_name: {"tables": {
            "tasks": {"facets": ["agency", "role", "deadline_year", "dti_main", "document", "status"],
                      "fts_table": "obligations_fts", "fts_pk": "ob_rowid", "label_column": "text",
                      "sort": "deadline_year", "columns": LABELS},
            "obligations": {**fts, "label_column": "text", "facets": ["deadline_kind", "document_id"],
                            "columns": {"text": LABELS["text"], "deadline_text": LABELS["deadline_text"],
                                        "text_folded": "Nội dung (không dấu, để tìm)", "page": "Trang",
                                        "source_line": "Dòng"}},
            "agencies": {"label_column": "name"},
            "documents": {"label_column": "name", "facets": ["type", "province"]},
        }}},
    }


def write_metadata(store, output: Union[str, Path] = "outputs/datasette.json") -> Path:
    """Create the ``tasks`` view in ``store``'s database and write the metadata file; returns its path."""
    store.db.conn.executescript(TASKS_VIEW)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metadata(Path(store.path).stem), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
