"""The wrong-answer and off-topic figures, on hand-built outcomes."""

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Source, SourceKind, Triage
from bot.evaluation import off_topic, quotes_knowledge, score

POLICY = Source(
    "returns",
    SourceKind.POLICY,
    "Return period",
    "You can return any product within 30 days of delivery, free of charge.",
    0.8,
)
REVIEW = Source("reviews", SourceKind.REVIEW, "r1", "Returned mine within a week, easy.", 0.5)


def outcome(text: str, draft: str | None, sources=(POLICY,)) -> Outcome:
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    return Outcome(
        Mention(id=text, text=text),
        triage,
        tuple(sources),
        Draft(draft, tuple(sources)) if draft is not None else None,
    )


def test_a_draft_quotes_the_knowledge_base_with_six_words_in_a_row() -> None:
    quoting = outcome("q", "@a You can return any product within 30 days of delivery.")
    paraphrase = outcome("q", "@a Sure, a month is fine for sending it back.")
    assert quotes_knowledge(quoting.draft.text, quoting)
    assert not quotes_knowledge(paraphrase.draft.text, paraphrase)


def test_a_review_is_not_the_knowledge_base_speaking() -> None:
    o = outcome("q", "@a Returned mine within a week, easy.", sources=(REVIEW,))
    assert not quotes_knowledge(o.draft.text, o)


def test_wrong_answers_count_quoting_drafts_that_lack_the_facts_or_answer_the_unanswerable() -> (
    None
):
    right = outcome("how long to return", "@a You can return any product within 30 days of it.")
    lacks = outcome("is there a restocking fee", "@a You can return any product within 30 days.")
    unanswerable = outcome("do you ship to Mars", "@a You can return any product within 30 days.")
    held = outcome("do you sell gift wrap", "@a Good question, let me check with the team.")
    card = score(
        [
            (right, {"facts": ["30 days"]}),
            (lacks, {"facts": ["€5"]}),
            (unanswerable, {"out_of_kb": True}),
            (held, {"out_of_kb": True}),
        ]
    )
    wrong = card.metrics["wrong_answers"]
    assert (wrong.hits, wrong.total) == (2, 4)
    assert [m.split(":")[0] for m in wrong.misses] == [lacks.mention.id, unanswerable.mention.id]


def test_off_topic_is_the_share_of_drafts_quoting_the_knowledge_base() -> None:
    metric = off_topic(
        [
            outcome("my flight is late", "@a You can return any product within 30 days."),
            outcome("my flight is late", "@a Sorry to hear that, we only sell kettles."),
            outcome("spam", None),
        ]
    )
    assert (metric.hits, metric.total) == (1, 2)
