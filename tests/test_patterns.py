"""PatternSet must give exactly what Python's `re` gives; RE2 only decides what to skip."""

import json
import re
import tomllib

import pytest

from bot.patterns import PatternSet, loosen
from tests.conftest import ROOT


def alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def rule_categories() -> list[tuple[str, list[str]]]:
    data = tomllib.loads((ROOT / "prompts" / "triage_rules.toml").read_text(encoding="utf-8"))
    found: list[tuple[str, list[str]]] = []
    for section, body in data.items():
        for i, signal in enumerate(body.get("signal", [])):
            found.append((f"{section}.signal[{i}]", [str(v) for v in signal["patterns"]]))
        for key, value in body.items():
            if key == "signal":
                continue
            if isinstance(value, str) and section == "sarcasm":
                found.append((f"{section}.{key}", [value]))
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                found.append((f"{section}.{key}", [item["pattern"] for item in value]))
            elif isinstance(value, list) and value and key != "words":
                found.append((f"{section}.{key}", [str(v) for v in value]))
    return found


def corpus() -> list[str]:
    paths = [*(ROOT / "samples").glob("*.jsonl"), *(ROOT / "tests" / "fixtures").glob("*.jsonl")]
    texts = [
        json.loads(line)["text"]
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("{") and '"text"' in line
    ]
    return texts + [t.upper() for t in texts]


def test_every_rule_category_matches_exactly_as_re_does() -> None:
    texts = corpus()
    categories = rule_categories()
    assert len(categories) >= 15 and len(texts) >= 500
    for name, patterns in categories:
        fast, slow = PatternSet(patterns), alternation(patterns)
        for text in texts:
            expected, got = slow.search(text), fast.search(text)
            assert (expected and expected.span()) == (got and got.span()), (name, text)


@pytest.mark.parametrize(
    ("patterns", "text", "span"),
    [
        # RE2's \b is ASCII-only: "ärgerlich" must still match after a space.
        ([r"\bärgerlich\b"], "Sehr ärgerlich!", (5, 14)),
        ([r"\bburn(ed|t)?(?! through)\b"], "I burned through my data", None),
        ([r"\bburn(ed|t)?(?! through)\b"], "it burned my hand", (3, 9)),
        ([r"(?<!\w)fire\b"], "campfire stories", None),
        ([r"\w+@\w+"], "mail jörg@exämple", (5, 17)),
        ([r"\bcall\b", r"\bfire\b"], "fire! call someone", (0, 4)),
        ([r"(\w)\1{2}"], "sooo good", (1, 4)),  # a back-reference: run with re only
        ([r"\bhi$"], "oh hi\n", (3, 5)),
    ],
)
def test_search_agrees_with_re_on_constructs_re2_lacks(patterns, text, span) -> None:
    got = PatternSet(patterns).search(text)
    assert (got and got.span()) == span
    expected = alternation(patterns).search(text)
    assert (expected and expected.span()) == span


def test_matching_lists_every_pattern_that_matches_in_order() -> None:
    patterns = [r"\bgiveaway\b", r"\bcrypto\b", r"\bnothing\b", r"link in bio"]
    assert PatternSet(patterns).matching("CRYPTO giveaway, link in bio") == [0, 1, 3]


def test_a_text_re2_cannot_encode_is_still_searched() -> None:
    assert PatternSet([r"\bfire\b"]).search("fire \ud83d") is not None


def test_constructs_without_a_loose_form_are_left_to_re() -> None:
    assert loosen(r"(a)\1") is None
    assert loosen(r"a++") is None
    assert loosen(r"(?>ab)") is None
    assert loosen(r"\bw[äa]rst(?=\W)") == "w[äa]rst"
