"""The search filters shared by `search` and `export` (same names as ``Store.search``'s arguments)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

Text = Annotated[Optional[str], typer.Argument(help="Words to find in obligation text (accents optional).")]
Agency = Annotated[Optional[str], typer.Option("--agency", "-a", help="Agency, any spelling or part of its name "
                                                                       "(Sở TT&TT, so thong tin, TTTT).")]
Role = Annotated[Optional[str], typer.Option("--role", help="lead, support or any.")]
Indicator = Annotated[Optional[str], typer.Option("--indicator", "-i", help="DTI sub-indicator (6.12) or main index (6).")]
Framework = Annotated[Optional[str], typer.Option("--framework", help="Only links of this DTI framework (dti-2021, ...).")]
DueBefore = Annotated[Optional[str], typer.Option("--due-before", "--before",
                                                  help="Due on or before DATE (YYYY-MM-DD, dd/mm/yyyy, today, tomorrow).")]
DueAfter = Annotated[Optional[str], typer.Option("--due-after", "--after", help="Due on or after DATE (open-ended "
                                                                                  "'từ ...' tasks too).")]
DueWithin = Annotated[Optional[str], typer.Option("--due-within", help="Due within a span of --as-of: 30d, 2w, 3m, 1y.")]
Overdue = Annotated[bool, typer.Option("--overdue", help="Due before --as-of and not finished.")]
AsOf = Annotated[Optional[str], typer.Option("--as-of", help="Reference date for --overdue, --due-within and "
                                                             "recurring deadlines [default: today].")]
Status = Annotated[Optional[str], typer.Option("--status", help="todo, doing, done, dropped (or chưa thực hiện, "
                                                                "đang thực hiện, hoàn thành, không thực hiện); "
                                                                "comma-separated for several.")]
Doc = Annotated[Optional[str], typer.Option("--doc", help="Document: id, file name, path or number (6828/UBND-TH).")]
Province = Annotated[Optional[str], typer.Option("--province", help="Province of the issuing document (dak nong).")]
DocType = Annotated[Optional[str], typer.Option("--type", help="Document type: Kế hoạch, Công văn, Quyết định ...")]
AsWritten = Annotated[bool, typer.Option("--as-written", help="Match the agency as written, not also its predecessors' "
                                                              "tasks (today's name finds them by default).")]


def filters(text=None, agency=None, role=None, indicator=None, due_before=None, due_after=None, due_within=None,
            overdue=False, as_of=None, status=None, doc=None, province=None, type=None) -> dict:
    """The keyword arguments of ``Store.search`` for these option values (unset ones left out)."""
    d = dict(text=text, agency=agency, role=role, indicator=indicator, due_before=due_before, due_after=due_after,
             due_within=due_within, overdue=overdue or None, as_of=as_of, status=status, doc=doc, province=province,
             type=type)
    return {k: v for k, v in d.items() if v is not None}
