# Two commands do all set-up on a fresh machine (see README):
#   make run    set up, then process corpus/ into outputs/obligations.db
#   make test   set up (with the test and sentence-transformers extras), then run the tests
.PHONY: run test setup setup-test clean

run: setup
	.venv/bin/extractor run corpus/
	.venv/bin/extractor export --group agency -o outputs/tasks.xlsx --preview outputs/export-xlsx-p1.png
	.venv/bin/extractor export --group agency -o outputs/tasks.docx --preview outputs/export-docx-p1.png
	.venv/bin/extractor datasette -o outputs/datasette.json

test: setup-test
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m pytest -q

setup:
	bash scripts/bootstrap.sh

setup-test:
	bash scripts/bootstrap.sh --test

clean:
	rm -rf outputs/*.db outputs/cache
