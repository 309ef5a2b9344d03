"""Loading, incremental indexing in Chroma and hybrid retrieval."""

from pathlib import Path

import pytest

from bot.domain import SourceKind
from bot.knowledge.embeddings import RecentTexts
from bot.knowledge.glossary import Glossary, GlossaryError
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.loader import knowledge_files, load_file
from bot.knowledge.retriever import HybridRetriever
from tests.fakes import HashEmbedder


def write_kb(root: Path) -> Path:
    (root / "policies").mkdir(parents=True)
    (root / "reviews").mkdir()
    (root / "policies" / "returns.md").write_text(
        "# Returns\n\n## Return period\nYou can return any product within 30 days.\n\n"
        "## Refunds\nWe refund within 5 working days.\n"
    )
    (root / "policies" / "payments.md").write_text(
        "# Payments\n\n## Methods\nPay with iDEAL, PayPal or a credit card. Prices include VAT.\n"
    )
    (root / "reviews" / "reviews.csv").write_text(
        'id,product,rating,text\nr1,Lamp,5,"Bright, cosy light."\nr2,Lamp,2,Flickers a bit\n'
    )
    return root


def test_policies_chunk_by_section_and_reviews_by_row(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb")
    chunks = [c for p in knowledge_files(root) for c in load_file(root, p).chunks]
    refs = {(c.doc, c.kind, c.ref) for c in chunks}
    assert ("returns", SourceKind.POLICY, "Return period") in refs
    assert ("reviews", SourceKind.REVIEW, "r1") in refs
    review = next(c for c in chunks if c.ref == "r1")
    assert review.text == "Lamp (5/5): Bright, cosy light."


def test_bad_review_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "reviews").mkdir(parents=True)
    path = root / "reviews" / "r.csv"
    path.write_text("id,product,rating,text\nr1,A,5,fine\n,A,4,no id\nr1,A,3,dupe\nr4,A,5,ok\n")
    loaded = load_file(root, path)
    assert [c.ref for c in loaded.chunks] == ["r1", "r4"]
    assert any(":3:" in p and "empty id" in p for p in loaded.problems)
    assert any(":4:" in p and "duplicate" in p for p in loaded.problems)


def test_missing_columns_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "r.csv").write_text("id,text\n1,hello\n")
    loaded = load_file(root, root / "r.csv")
    assert loaded.chunks == []
    assert "missing column" in loaded.problems[0]


def test_incremental_sync(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb")
    embedder = HashEmbedder()
    index = KnowledgeIndex(tmp_path / "data", embedder)
    first = index.sync(root)
    assert sorted(first.added) == [
        "policies/payments.md",
        "policies/returns.md",
        "reviews/reviews.csv",
    ]
    assert index.collection.count() == first.chunks == 5

    # Unchanged: nothing re-embedded, and a fresh process does not even open Chroma.
    calls = embedder.calls
    again = KnowledgeIndex(tmp_path / "data", embedder).sync(root)
    assert not again.changed and again.unchanged == 3
    assert embedder.calls == calls

    # A changed file replaces only its own chunks.
    (root / "policies" / "returns.md").write_text("# Returns\n\n## Return period\n45 days.\n")
    changed = index.sync(root)
    assert changed.updated == ["policies/returns.md"] and not changed.added
    ids = set(index.collection.get()["ids"])
    assert "policies/returns.md#Refunds" not in ids
    assert "policies/payments.md#Methods" in ids

    # A deleted file's chunks disappear.
    (root / "reviews" / "reviews.csv").unlink()
    removed = index.sync(root)
    assert removed.removed == ["reviews/reviews.csv"]
    assert not any(i.startswith("reviews/") for i in index.collection.get()["ids"])
    assert index.collection.count() == removed.chunks == 2


def test_changing_the_embedder_rebuilds(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb")
    KnowledgeIndex(tmp_path / "data", HashEmbedder(name="a")).sync(root)
    report = KnowledgeIndex(tmp_path / "data", HashEmbedder(name="b")).sync(root)
    assert report.rebuilt and len(report.added) == 3


def test_hybrid_retrieval_finds_exact_terms(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb")
    embedder = HashEmbedder()
    index = KnowledgeIndex(tmp_path / "data", embedder)
    index.sync(root)
    retriever = HybridRetriever(index, embedder, Glossary({"terugsturen": "return"}))
    top = retriever.search("can I pay with iDEAL?", k=3)
    assert top[0].doc == "payments" and top[0].kind is SourceKind.POLICY
    assert top[0].score >= top[-1].score
    dutch = retriever.search("hoe lang kan ik iets terugsturen", k=1)
    assert dutch[0].doc == "returns"


def test_a_heading_word_finds_the_section_but_is_no_answer_word() -> None:
    glossary = Glossary({"terugsturen": "return"}, search={"how long do i have": "period"})
    text = "how long do I have to return it?"
    assert glossary.expand(text) == f"{text} period"
    assert glossary.headings(text) == ["period"]
    assert glossary.expansions(text) == []


def test_a_glossary_entry_that_is_not_a_string_is_named(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('[search]\n"how long do i have" = ["period"]\n', encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"\[search\] 'how long do i have' must map to a"):
        Glossary.load(path)


def test_a_hyphenated_word_is_found_written_as_one(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb")
    (root / "policies" / "app.md").write_text(
        "# App\n\n## Pairing\nThe lamp only joins 2.4 GHz Wi-Fi networks.\n\n"
        "## Contact\nE-mail us at help@example.com.\n"
    )
    embedder = HashEmbedder()
    index = KnowledgeIndex(tmp_path / "data", embedder)
    index.sync(root)
    retriever = HybridRetriever(index, embedder)
    assert retriever.search("my lamp won't join the wifi", k=1)[0].ref == "Pairing"
    assert retriever.search("what is your email", k=1)[0].ref == "Contact"


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("which payment methods can I use", "payments"),
        ("how long is the warranty on a power bank", "warranty"),
        ("can I take my power bank on a plane", "safety"),
        ("do you ship to Austria", "shipping"),
    ],
)
def test_sample_kb_retrieval_with_real_embeddings(core, query: str, doc: str) -> None:
    docs = [s.doc for s in core.retriever.search(query, k=3)]
    assert doc in docs


def test_recent_texts_embeds_a_repeated_query_once_and_passes_bulk_through() -> None:
    inner = HashEmbedder()
    cached = RecentTexts(inner, size=3, batch_limit=4)
    first = cached.embed(["how long is shipping", "return policy"])
    again = cached.embed(["return policy", "how long is shipping"])
    assert inner.calls == 1
    assert (again[0] == first[1]).all() and (again[1] == first[0]).all()
    cached.embed(["a", "b", "c", "d", "e"])  # a bulk batch: not remembered
    cached.embed(["return policy"])
    assert inner.calls == 2
    cached.embed(["x", "y"])  # the oldest entries make room (size 3)
    cached.embed(["how long is shipping"])
    assert inner.calls == 4


def test_uncovered_topics_are_those_the_corpus_never_mentions(tmp_path: Path) -> None:
    from bot.knowledge.topics import TopicsError, UncoveredTopics

    path = tmp_path / "topics.toml"
    path.write_text(
        "[[topic]]\nname = 'gift cards'\nasks = 'gift ?cards?'\ncovered_by = 'gift card'\n"
        "[[topic]]\nname = 'jobs'\nasks = 'hiring'\ncovered_by = 'vacanc'\n",
        encoding="utf-8",
    )
    topics = UncoveredTopics.load(path, ["See our vacancies page.", "We ship in 2 days."])
    assert topics.asked("Do you sell GIFT CARDS? are you hiring?") == ["gift cards"]
    assert UncoveredTopics.load(tmp_path / "absent.toml", []).asked("gift cards?") == []
    path.write_text("[[topic]]\nname = 'x'\nasks = '('\ncovered_by = 'x'\n", encoding="utf-8")
    with pytest.raises(TopicsError, match="topic 1: invalid pattern"):
        UncoveredTopics.load(path, [])


def test_a_question_about_one_policy_gets_its_other_sections(tmp_path: Path) -> None:
    # The repeat penalty brings a second topic up; it stops growing after two repeats, so
    # five warranty sections are not pushed below documents that only share the product name.
    root = tmp_path / "kb"
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "warranty.md").write_text(
        "# Warranty\n\n"
        + "".join(
            f"## {title}\n{text}\n\n"
            for title, text in [
                ("Legal warranty", "Every lamp has a warranty of 2 years."),
                ("Extended warranty", "Register the lamp and the warranty becomes 5 years."),
                ("Claims", "Start a warranty claim in the app."),
                ("Not covered", "The warranty does not cover a lamp that was dropped."),
                ("Repairs outside warranty", "We repair a lamp outside warranty for €35."),
            ]
        )
    )
    for doc, text in [
        ("care", "Clean the lamp with a dry cloth."),
        ("materials", "The lamp base is made of oak."),
        ("shipping", "We ship every lamp within 2 days."),
        ("colours", "The lamp comes in sand and moss."),
    ]:
        (root / "policies" / f"{doc}.md").write_text(f"# {doc}\n\n## About\n{text}\n")
    embedder = HashEmbedder()
    index = KnowledgeIndex(tmp_path / "data", embedder)
    index.sync(root)
    found = HybridRetriever(index, embedder).search("what is the warranty on the lamp?", k=6)
    assert [s.doc for s in found].count("warranty") == 5
    assert found[0].doc == "warranty"
