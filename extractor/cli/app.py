"""Command line: every command calls the Python API (extractor.pipeline,
extractor.store.db, extractor.lab.evaluate) and nothing else, so other front ends can
do the same.  Errors are one line naming the file; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from extractor import __version__

app = typer.Typer(
    help="Find every commitment in Vietnamese digital-transformation documents: who must do what, "
         "to what figure, by when, and which DTI sub-indicator it serves.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="markdown",
)
console = Console(stderr=True)
out = Console()
DEBUG = {"on": False}
DEFAULT_DB = "outputs/obligations.db"


def _fail(msg: str, code: int = 1):
    from extractor.i18n import _

    console.print(f"[red]{_('error')}:[/red] {msg}")
    raise typer.Exit(code)


def _version(value: bool):
    if value:
        out.print(__version__)
        raise typer.Exit()


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
          version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                       callback=_version, is_eager=True)):
    # eager: `extractor --version` works without a command
    DEBUG["on"] = debug


def _linker_opt(no_link: bool, linker: str) -> Optional[str]:
    return None if no_link else linker


