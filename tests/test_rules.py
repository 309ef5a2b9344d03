"""The rules loader: language packs add to the rules file's categories, errors name the file."""

from pathlib import Path

import pytest

from bot.rules import RulesError, load_rules
from tests.conftest import ROOT

RULES = ROOT / "prompts" / "triage_rules.toml"


def test_a_language_pack_adds_patterns_signals_and_stop_words(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text(
        "[complaint]\npatterns = ['\\bzorkblat\\b']\n"
        "[[injection.signal]]\nname = 'override'\npatterns = ['\\bvergeten alles\\b']\n"
        "[stop_words]\nxx = ['qa', 'qe']\n",
        encoding="utf-8",
    )
    base = load_rules(RULES, languages=tmp_path / "none")
    extended = load_rules(RULES, languages=tmp_path)
    assert len(extended.complaint) == len(base.complaint) + 1
    assert extended.complaint.search("it went zorkblat again")
    assert extended.injection.found(["vergeten alles nu"]) == {"override": 2.0}
    assert extended.stop_words["xx"] == frozenset({"qa", "qe"})


def test_a_pack_naming_an_unknown_signal_is_refused(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text(
        "[[spam.signal]]\nname = 'no_such_signal'\npatterns = ['x']\n", encoding="utf-8"
    )
    with pytest.raises(RulesError, match=r"xx\.toml.*no_such_signal"):
        load_rules(RULES, languages=tmp_path)


def test_a_broken_pattern_in_a_pack_is_named(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text("[praise]\npatterns = ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"praise\.patterns"):
        load_rules(RULES, languages=tmp_path)
