"""Rule files: every template compiles, lexicons fold, thresholds carry their reason."""

import json

import pytest

from extractor.paths import RULES_DIR
from extractor.rules import RuleError, Rules, load_rules


def test_every_pattern_compiles_and_every_threshold_has_a_reason():
    R = load_rules()
    for file, data in R.files.items():
        for name in data.get("patterns", {}):
            R.rx(f"{file}.{name}")
    for group, entries in R.files["thresholds"].items():
        if group == "about":
            continue
        for name, e in entries.items():
            assert isinstance(e["value"], (int, float)) and len(e["why"]) > 20, (group, name)


def test_lexicons_are_folded_so_marks_do_not_matter():
    R = load_rules()
    assert "chu tri" in R.words("extract.directive_verbs")
    assert R.rx("extract.legal_basis").match("can cu nghi dinh so 42/2022/nd-cp")
    # the documented exception: "đã" keeps its mark ("tối đa" must not read as a past tense)
    assert R.rx("extract.past").search("đã hoàn thành") and not R.rx("extract.past").search("tối đa")


def test_a_new_rule_file_is_data_only(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({
        "lexicons": {"verbs": ["Triển khai", "rà soát"]},
        "patterns": {"verb": "(?:{verbs})\\b"},
    }), encoding="utf-8")
    R = Rules(tmp_path)
    assert R.rx("x.verb").match("ra soat cac thu tuc")
    with pytest.raises(RuleError):
        R.get("x.nothing")


def test_broken_rule_file_names_the_file(tmp_path):
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(RuleError, match="bad.json"):
        Rules(tmp_path)


def test_rules_folder_is_documented():
    readme = (RULES_DIR.parent / "README.md").read_text(encoding="utf-8")
    for f in RULES_DIR.glob("*.json"):
        assert f"rules/{f.name}" in readme, f.name
