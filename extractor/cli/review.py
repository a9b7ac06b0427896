"""`review`: the local web app to check and correct extractions, and its Label Studio export/import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from extractor.cli.app import DEFAULT_DB, _fail, app, console

review_app = typer.Typer(invoke_without_command=True, rich_markup_mode="markdown")
app.add_typer(review_app, name="review")

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(db: Path = Path(DEFAULT_DB), annotations: Path = Path("annotations"), host: str = "127.0.0.1",
          port: int = 8765, token: Optional[str] = None):
    """What ``extractor review`` runs: check the token rule, build the app, serve it (blocks)."""
    import uvicorn

    from extractor.review.api import Review
    from extractor.review.app import create_app
    from extractor.review.files import ReviewError

    token = token or os.environ.get("EXTRACTOR_REVIEW_TOKEN") or None
    if host not in LOOPBACK and not token:
        raise ReviewError(f"--host {host} is reachable from other machines: give --token "
                          "(or set EXTRACTOR_REVIEW_TOKEN)")
    asgi = create_app(Review(db, annotations), token=token)
    url = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
    console.print(f"review: {url}  (annotations: {annotations}, database: {db}; Ctrl+C to stop)")
    uvicorn.run(asgi, host=host, port=port, log_level="warning")


@review_app.callback()
def review(
    ctx: typer.Context,
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help="SQLite database written by `extractor run`."),
    annotations: Path = typer.Option(Path("annotations"), "--annotations", help="Gold folder (dti-gold/1) to write."),
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; anything but loopback needs --token."),
    token: Optional[str] = typer.Option(None, "--token", help="Shared secret every request must carry "
                                                              "[env: EXTRACTOR_REVIEW_TOKEN]."),
):
    """Start the review web app (documents, document page with actions, accuracy, curation).

    Example: `extractor review --db outputs/obligations.db --annotations annotations/ --port 8765`
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"db": db, "annotations": annotations}
        return
    if not db.exists():
        _fail(f"{db}: no database yet (run `extractor run corpus/` first)")
    serve(db, annotations, host, port, token)


@review_app.command("export")
def export_cmd(
    ctx: typer.Context,
    format: str = typer.Option("label-studio", "--format", "-f", help="Only label-studio for now."),
    output: Path = typer.Option(Path("outputs/label-studio.json"), "--output", "-o", help="Tasks file to write."),
    db: Optional[Path] = typer.Option(None, "--db", help="Database (default: the one given to `review`)."),
    annotations: Optional[Path] = typer.Option(None, "--annotations", help="Gold folder (default: as `review`)."),
):
    """Write every document as a Label Studio task: text, the pipeline's spans as predictions, the gold as
    an annotation where reviewed (relations carry lead/support).

    Example: `extractor review export --format label-studio --db outputs/obligations.db -o outputs/ls.json`
    """
    from extractor.review import labelstudio
    from extractor.review.api import Review

    if format != "label-studio":
        _fail(f"unknown format {format!r} (label-studio)")
    opts = _opts(ctx, db, annotations)
    if not opts["db"].exists():
        _fail(f"{opts['db']}: no database yet (run `extractor run corpus/` first)")
    out = labelstudio.export(Review(opts["db"], opts["annotations"]), output)
    console.print(f"wrote {out} (labelling config: extractor.review.labelstudio.LABEL_CONFIG)")


@review_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A Label Studio JSON export."),
    db: Optional[Path] = typer.Option(None, "--db", help="Database (default: the one given to `review`)."),
    annotations: Optional[Path] = typer.Option(None, "--annotations", help="Gold folder to write (default: as `review`)."),
):
    """Read a Label Studio export back into dti-gold/1 files in the annotations folder (previous versions
    kept in annotations/.history/).

    Example: `extractor review import project-1-export.json --annotations annotations/`
    """
    from extractor.review import labelstudio
    from extractor.review.api import Review

    opts = _opts(ctx, db, annotations)
    if not file.exists():
        _fail(f"{file}: no such file")
    if not opts["db"].exists():
        _fail(f"{opts['db']}: no database yet (run `extractor run corpus/` first)")
    written, skipped = labelstudio.import_file(Review(opts["db"], opts["annotations"]), file)
    for p in written:
        console.print(f"wrote {p}")
    if skipped:
        console.print(f"skipped {skipped} task(s) without an annotation (predictions alone are not gold)")


def _opts(ctx: typer.Context, db: Optional[Path], annotations: Optional[Path]) -> dict:
    opts = dict(ctx.obj or {"db": Path(DEFAULT_DB), "annotations": Path("annotations")})
    if db:
        opts["db"] = db
    if annotations:
        opts["annotations"] = annotations
    return opts
