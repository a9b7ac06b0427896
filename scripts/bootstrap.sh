#!/usr/bin/env bash
# Idempotent set-up: Debian packages (Tesseract + Vietnamese, poppler, antiword,
# fonts), a virtual environment at .venv/, and the package with pinned versions.
#   scripts/bootstrap.sh          runtime only
#   scripts/bootstrap.sh --test   plus pytest, Playwright + Debian chromium, the sentence-transformers and ray extras
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# ---- Debian packages (only what is missing; needs root or sudo)
need=()
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata >/dev/null 2>&1 || need+=(tesseract-ocr-vie)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v antiword >/dev/null 2>&1 || need+=(antiword)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# the review tool's browser tests drive Debian's chromium (Playwright, executable_path)
[ $want_test = 1 ] && ! command -v chromium >/dev/null 2>&1 && need+=(chromium)
# LibreOffice renders the XLSX/DOCX exports (make run's page-1 previews, the export test);
# Liberation Serif has Times New Roman's metrics, so the annex paginates as in Word
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc libreoffice-writer)
[ -d /usr/share/fonts/truetype/liberation2 ] || need+=(fonts-liberation2)
if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- Python environment
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.installed-$( (cat pyproject.toml constraints.txt; echo "$want_test") | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  extras=""
  [ $want_test = 1 ] && extras="[test,st,ray]"
  echo "bootstrap: installing Python packages (pinned by constraints.txt)"
  .venv/bin/python -m pip install -q -c constraints.txt -e ".${extras}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
