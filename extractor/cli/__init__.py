"""Entry point: the Typer app with every command module registered."""

from __future__ import annotations

import os
import sys

from extractor.cli import process, batch, query, export, review, lab  # noqa: F401,I001  (they register their commands, in help order)
from extractor.cli.app import DEBUG, app, console
from extractor.errors import ExtractorError


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        app()
    except ExtractorError as e:
        if DEBUG["on"] or "--debug" in sys.argv:
            raise
        from extractor.i18n import _

        console.print(f"[red]{_('error')}:[/red] {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
    except Exception as e:  # never a bare traceback unless --debug
        if "--debug" in sys.argv:
            raise
        console.print(f"[red]error:[/red] {type(e).__name__}: {e} (rerun with --debug for the traceback)")
        sys.exit(1)
