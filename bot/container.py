"""The composition root: settings → adapters → services, built once and passed down.

Nothing else in the package creates a client, a store or reads settings; the CLI (and later the
Slack app and workers) call these builders and hand the results to the code that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.drafting.grounding import Grounder
from bot.drafting.offline import OfflineDrafter
from bot.drafting.phrases import load_phrases
from bot.knowledge.embeddings import WordLlamaEmbedder
from bot.knowledge.glossary import Glossary
from bot.knowledge.index import KnowledgeIndex, Progress, SyncReport
from bot.knowledge.retriever import HybridRetriever
from bot.pipeline import Pipeline
from bot.ports import Embedder
from bot.rules import load_rules
from bot.settings import Settings
from bot.store import Store, make_engine
from bot.triage import RuleTriager


@dataclass
class Core:
    """The offline engine: knowledge base, triage, grounding and drafting."""

    settings: Settings
    embedder: Embedder
    index: KnowledgeIndex
    retriever: HybridRetriever
    triager: RuleTriager
    grounder: Grounder
    pipeline: Pipeline
    sync_report: SyncReport


def build_embedder(settings: Settings) -> Embedder:
    """Return the embedder for these settings (WordLlama offline by default)."""
    return WordLlamaEmbedder()


def build_index(settings: Settings, embedder: Embedder | None = None) -> KnowledgeIndex:
    return KnowledgeIndex(settings.data_dir, embedder or build_embedder(settings))


def build_core(
    settings: Settings,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> Core:
    """Sync the knowledge base and assemble the pipeline."""
    embedder = embedder or build_embedder(settings)
    index = KnowledgeIndex(settings.data_dir, embedder)
    report = index.sync(settings.knowledge_dir, progress)
    prompts = settings.prompts_path
    glossary = Glossary.load(prompts / "glossary.toml")
    retriever = HybridRetriever(index, embedder, glossary=glossary)
    triager = RuleTriager(load_rules(prompts / "triage_rules.toml"), settings.reach_threshold)
    grounder = Grounder(
        embedder,
        corpus=((c.doc, c.text) for c in retriever.chunks),
        glossary=glossary,
        brand_terms=[settings.brand_name, settings.brand_handle, *settings.brand_name.split()],
    )
    phrases = load_phrases(prompts / "replies.toml", settings.brand_name)
    drafter = OfflineDrafter(grounder, phrases)
    pipeline = Pipeline(triager, retriever, grounder, drafter)
    return Core(settings, embedder, index, retriever, triager, grounder, pipeline, report)


def build_store(settings: Settings) -> Store:
    return Store(make_engine(settings.sqlalchemy_url))


def default_feed() -> Path:
    """Return the bundled sample feed used by `bot demo`."""
    return Path(__file__).resolve().parent.parent / "samples" / "mentions.jsonl"
