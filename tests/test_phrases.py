"""The phrase bank: a draft's own words are in one language, the mention's or English."""

import json
import tomllib
from pathlib import Path

from bot.drafting.phrases import SLOTS, load_phrases
from tests.conftest import ROOT

BANK = ROOT / "prompts" / "replies.toml"


def _partial_bank(tmp_path: Path) -> Path:
    """The shipped English bank plus a French one that has only two slots."""
    english = tomllib.loads(BANK.read_text(encoding="utf-8"))["en"]
    lines = ["[en]"]
    lines += [f"{slot} = {json.dumps(english[slot], ensure_ascii=False)}" for slot in SLOTS]
    lines += [
        "[fr]",
        'question_open = ["Merci pour votre question."]',
        'closer = ["Bonne journée."]',
    ]
    path = tmp_path / "replies.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_language_whose_bank_lacks_a_slot_is_not_mixed_with_english(tmp_path: Path) -> None:
    phrases = load_phrases(_partial_bank(tmp_path), "Acme")
    # French lacks the holding reply: the whole draft is in English, not a French greeting
    # around an English holding sentence.
    assert phrases.voice("fr") == "en"
    assert phrases.pick(phrases.voice("fr"), "question_open", "m1") not in (
        "Merci pour votre question.",
    )


def test_a_complete_bank_answers_in_its_own_language() -> None:
    phrases = load_phrases(BANK, "Acme")
    for language in ("en", "nl", "de"):
        assert phrases.voice(language) == language


def test_a_language_without_a_bank_is_answered_in_english() -> None:
    assert load_phrases(BANK, "Acme").voice("sv") == "en"
