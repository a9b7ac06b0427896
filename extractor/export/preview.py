"""Page 1 of an exported XLSX/DOCX as a PNG, the way LibreOffice prints it (``soffice --headless
--convert-to pdf``, then poppler's ``pdftoppm``): a check that the file opens outside Python and looks
like a plan's annex.  Needs Debian's libreoffice-calc / libreoffice-writer and poppler-utils."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Union

from extractor.errors import InputError


def page1_png(path: Union[str, Path], png: Union[str, Path], dpi: int = 80, timeout: int = 300) -> Path:
    """Convert ``path`` to PDF with LibreOffice and render its first page to ``png``; returns ``png``."""
    path, png = Path(path), Path(png)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise InputError(str(path), "LibreOffice (soffice) is not installed: run scripts/bootstrap.sh")
    if not shutil.which("pdftoppm"):
        raise InputError(str(path), "pdftoppm (poppler-utils) is not installed: run scripts/bootstrap.sh")
    with tempfile.TemporaryDirectory() as tmp:
        # a private profile: a second soffice (or a user's open one) must not block this one
        profile = Path(tmp, "profile").as_uri()
        r = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", tmp, str(path)], capture_output=True, text=True, timeout=timeout)
        pdf = Path(tmp, path.stem + ".pdf")
        if r.returncode != 0 or not pdf.is_file():
            raise InputError(str(path), f"LibreOffice could not convert it ({(r.stderr or r.stdout).strip()[:200]})")
        png.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(png.with_suffix(""))], check=True, capture_output=True, timeout=timeout)
    return png
