"""Answer kinds as data, and what a held question tells the reviewer."""

from pathlib import Path

import pytest

from bot.domain import Flag, Mention
from bot.drafting.kinds import AnswerKindError, load_answer_kinds
from bot.evaluation import quotes_knowledge
from tests.conftest import ROOT

KINDS = {k.name: k for k in load_answer_kinds(ROOT / "prompts" / "answer_kinds.toml")}


@pytest.mark.parametrize(
    ("kind", "question", "answer", "not_answer"),
    [
        (
            "duration",
            "how soon does a replacement card get here?",
            "A new card arrives within 3 working days.",
            "A new card is sent to your home address.",
        ),
        (
            "price",
            "what's the cheapest membership you have?",
            "The Off-Peak membership costs €19 a month.",
            "The Off-Peak membership covers weekday mornings.",
        ),
        (
            "age",
            "my 15 year old wants to join, is that ok?",
            "Members must be 16 or older.",
            "Members must bring a photo ID.",
        ),
        (
            "place",
            "where can I find my old receipts?",
            "Receipts are under Account > History.",
            "Receipts are kept for seven years.",
        ),
        (
            "time_of_day",
            "what time do you open on saturdays?",
            "On Saturdays we open at 08:30.",
            "We are open on Saturdays.",
        ),
    ],
)
def test_a_question_asks_for_a_kind_and_only_a_sentence_of_that_kind_gives_it(
    kind: str, question: str, answer: str, not_answer: str
) -> None:
    found = KINDS[kind]
    assert found.asked_by(question)
    assert found.given_by(answer)
    assert not found.given_by(not_answer)


def test_a_question_that_asks_for_no_kind_asks_for_none() -> None:
    asked = [k.name for k in KINDS.values() if k.asked_by("do you like the new logo?")]
    assert asked == []


def test_a_bad_pattern_is_reported_with_its_kind(tmp_path: Path) -> None:
    path = tmp_path / "kinds.toml"
    path.write_text("[[kind]]\nname = 'price'\nasks = ['(unclosed']\nanswer = ['x']\n")
    with pytest.raises(AnswerKindError, match="price"):
        load_answer_kinds(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AnswerKindError, match="not found"):
        load_answer_kinds(tmp_path / "absent.toml")


def test_a_question_the_knowledge_base_cannot_answer_names_what_it_lacks(core) -> None:
    mention = Mention(id="k1", text="can I pay for my order with a gift card from a friend?")
    outcome = core.pipeline.process(mention)
    assert Flag.OUT_OF_KB in outcome.triage.flags and outcome.triage.escalate
    assert "“gift”" in (outcome.triage.escalate_reason or "")
    assert outcome.draft is not None and outcome.draft.holding


def test_a_near_miss_sharing_the_knowledge_bases_words_is_held(core) -> None:
    mention = Mention(id="k2", text="do you offer gift wrapping with a handwritten card?")
    outcome = core.pipeline.process(mention)
    assert Flag.OUT_OF_KB in outcome.triage.flags


def test_a_mention_about_what_the_knowledge_base_never_covers_gets_no_quote(core) -> None:
    # Written to some other kind of business: the words that say what it is about ("layover",
    # "gate", "boarding") are nowhere in the knowledge base, so no policy line is quoted.
    mention = Mention(
        id="k3",
        text="missed my connection because boarding at the gate started late, awful layover",
    )
    outcome = core.pipeline.process(mention)
    assert core.grounder.unfamiliar(mention.text, "en")
    if outcome.draft is not None:
        assert not quotes_knowledge(outcome.draft.text, outcome)


def test_everyday_words_do_not_make_a_question_unfamiliar(core) -> None:
    # "yesterday", "back", "lol", "mum" are unknown to the knowledge base but say nothing about
    # the topic; the words that do ("return", "days") are the knowledge base's own.
    text = "lol asking for my mum, she bought it yesterday: how many days to return it?"
    assert not core.grounder.unfamiliar(text, "en")
    outcome = core.pipeline.process(Mention(id="k4", text=text))
    assert outcome.draft is not None and "30 days" in outcome.draft.text


def test_a_word_one_passage_mentions_in_passing_is_half_known() -> None:
    from bot.drafting.grounding import Grounder
    from tests.fakes import HashEmbedder

    corpus = [
        ("kettles", "Our kettles boil 1.7 litres. The kettle base has a cord store."),
        ("kettle-care", "Descale the kettle every month. Kettle filters rinse clean."),
        ("travel", "Some hotels have their own rules for appliances in rooms."),
    ]
    grounder = Grounder(HashEmbedder(), corpus)
    # "hotel" is in one passage only; "kettle" in two: a hotel complaint is about hotels.
    assert grounder.unfamiliar_share("the hotel room smelled and the hotel staff were rude") > (
        grounder.unfamiliar_share("the kettle smelled and the kettle base was rude")
    )
    assert grounder.unfamiliar_share("hotels") == 0.5
    assert grounder.unfamiliar_share("kettles") == 0.0
