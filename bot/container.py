"""The composition root: settings → adapters → services, built once and passed down.

Nothing else in the package creates a client, a store or reads settings; the CLI, the Slack app
and the web server call these builders and hand the results to the code that needs them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.drafting.grounding import Grounder
from bot.drafting.guards import GuardRules
from bot.drafting.kinds import load_answer_kinds
from bot.drafting.offline import OfflineDrafter
from bot.drafting.phrases import load_bad_news, load_phrases
from bot.knowledge.embeddings import RecentTexts, WordLlamaEmbedder
from bot.knowledge.glossary import Glossary
from bot.knowledge.index import KnowledgeIndex, Progress, SyncReport
from bot.knowledge.loader import product_names
from bot.knowledge.retriever import HybridRetriever
from bot.knowledge.topics import UncoveredTopics
from bot.language import LanguageDetector
from bot.networks.base import MentionSource, NetworkAdapter, StoredValue
from bot.networks.rules import ReplyRules
from bot.pipeline import Pipeline
from bot.ports import Embedder
from bot.publishers import OutboxPublisher
from bot.review import ReplyPublisher, ReviewService
from bot.rules import load_rules
from bot.settings import Settings
from bot.store import MentionRecord, Store, make_engine
from bot.triage import BrandIdentity, HazardLexicon, RuleTriager
from bot.triage.model import IntentModel

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.domain import Draft
    from bot.networks.poller import NetworkPoller
    from bot.networks.x import XClient
    from bot.runtime import Runner
    from bot.slack.cards import CardDesk

log = logging.getLogger(__name__)


@dataclass
class Core:
    """The offline engine: knowledge base, triage, grounding and drafting."""

    settings: Settings
    embedder: Embedder
    index: KnowledgeIndex
    glossary: Glossary
    retriever: HybridRetriever
    triager: RuleTriager
    grounder: Grounder
    drafter: OfflineDrafter
    pipeline: Pipeline
    sync_report: SyncReport
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reload_knowledge(self) -> SyncReport:
        """Re-index changed knowledge files and swap the new retriever into the pipeline."""
        with self._lock:
            report = self.index.sync(self.settings.knowledge_dir)
            retriever, grounder = _knowledge(
                self.settings, self.index, self.embedder, self.glossary
            )
            self.retriever, self.grounder = retriever, grounder
            self.drafter.grounder = grounder
            self.pipeline.knowledge, self.pipeline.grounder = retriever, grounder
        log.info("knowledge reloaded: %d chunks", report.chunks)
        return report

    def redraft(self, record: MentionRecord, instruction: str | None) -> Draft | None:
        """Draft again for a stored mention (the Regenerate button)."""
        return self.pipeline.redraft(record.outcome(), instruction).draft


def build_embedder(settings: Settings) -> Embedder:
    """Return the embedder: the endpoint's when OPENAI_EMBEDDING_MODEL is set, else WordLlama."""
    if settings.openai_api_key is not None and settings.openai_embedding_model:
        from bot.llm.embeddings import OpenAIEmbedder

        return OpenAIEmbedder(
            settings.openai_embedding_model,
            settings.openai_api_key.get_secret_value(),
            settings.openai_base_url,
            settings.llm_timeout,
        )
    return WordLlamaEmbedder()


def build_index(settings: Settings, embedder: Embedder | None = None) -> KnowledgeIndex:
    return KnowledgeIndex(settings.data_dir, embedder or build_embedder(settings))


def _knowledge(
    settings: Settings, index: KnowledgeIndex, embedder: Embedder, glossary: Glossary
) -> tuple[HybridRetriever, Grounder]:
    queries = RecentTexts(embedder)  # the grounder re-embeds what the retriever just did
    retriever = HybridRetriever(index, queries, glossary=glossary)
    topics = settings.prompts_path / "kb_topics.toml"
    grounder = Grounder(
        queries,
        corpus=((c.doc, c.text) for c in retriever.chunks),
        glossary=glossary,
        brand_terms=[settings.brand_name, settings.brand_handle, *settings.brand_name.split()],
        products=product_names(retriever.chunks),
        uncovered=UncoveredTopics.load(topics, (c.text for c in retriever.chunks)),
        kinds=load_answer_kinds(settings.prompts_path / "answer_kinds.toml"),
    )
    return retriever, grounder


def build_triager(settings: Settings, embedder: Embedder | None = None) -> RuleTriager:
    """Return the rule triage for the configured prompts and knowledge directory.

    The brand's hazard vocabulary and its own domains are read from the knowledge directory's
    files, so triage needs no index (`bot triage-eval` runs without one).
    """
    rules = load_rules(settings.prompts_path / "triage_rules.toml")
    stop_words = frozenset().union(*rules.stop_words.values())
    knowledge = settings.knowledge_dir
    return RuleTriager(
        rules,
        settings.reach_threshold,
        languages=LanguageDetector(),
        hazards=HazardLexicon.from_directory(knowledge, rules.safety_docs, stop_words),
        brand=BrandIdentity.from_directory(settings.brand_name, settings.brand_handle, knowledge),
        # The model was trained on WordLlama vectors: it keeps its own when the knowledge base
        # embeds with an endpoint instead.
        model=IntentModel(
            embedder if isinstance(embedder, WordLlamaEmbedder) else WordLlamaEmbedder()
        ),
    )


def build_core(
    settings: Settings,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    offline: bool = False,
) -> Core:
    """Sync the knowledge base and assemble the pipeline (the LLM path when one is configured)."""
    embedder = embedder or build_embedder(settings)
    index = KnowledgeIndex(settings.data_dir, embedder)
    report = index.sync(settings.knowledge_dir, progress)
    prompts = settings.prompts_path
    glossary = Glossary.load(prompts / "glossary.toml")
    retriever, grounder = _knowledge(settings, index, embedder, glossary)
    triager = build_triager(settings, embedder)
    rules = triager.rules
    phrases = load_phrases(prompts / "replies.toml", settings.brand_name)
    bad_news = load_bad_news(prompts / "bad_news.toml")
    drafter = OfflineDrafter(grounder, phrases, alarming=rules.safety_incident, bad_news=bad_news)
    if settings.llm_configured and not offline:
        pipeline = _llm_pipeline(settings, triager, retriever, grounder, drafter)
    else:
        guards = GuardRules.load(prompts / "never_say.toml")
        pipeline = Pipeline(triager, retriever, grounder, drafter, guards=guards)
    return Core(
        settings, embedder, index, glossary, retriever, triager, grounder, drafter, pipeline, report
    )


def _llm_pipeline(
    settings: Settings,
    triager: RuleTriager,
    retriever: HybridRetriever,
    grounder: Grounder,
    offline: OfflineDrafter,
) -> Pipeline:
    from bot.llm.client import ChatModel
    from bot.llm.drafter import LlmDrafter
    from bot.llm.triage import LlmTriager

    assert settings.openai_api_key is not None
    model = ChatModel(
        settings.openai_model,
        settings.openai_api_key.get_secret_value(),
        settings.openai_base_url,
        timeout=settings.llm_timeout,
        price_per_million=(settings.price_input, settings.price_output),
    )
    prompts, brand, handle = settings.prompts_path, settings.brand_name, settings.brand_handle
    drafter = LlmDrafter(model, prompts, brand, handle)
    guards = GuardRules.load(prompts / "never_say.toml", system_prompt=drafter.system_prompt)
    return Pipeline(
        triager,
        retriever,
        grounder,
        drafter,
        fallback=offline,
        guards=guards,
        refiner=LlmTriager(model, prompts, brand, handle),
        concurrency=settings.llm_concurrency,
    )


def build_store(settings: Settings) -> Store:
    return Store(make_engine(settings.sqlalchemy_url))


@dataclass
class Networks:
    """Every configured network: its adapter (a mention source and a reply publisher), keyed by
    the `Mention.network` values it answers for, and the reply rules with the limits it learnt.
    A network with no credentials is simply absent."""

    adapters: dict[str, NetworkAdapter] = field(default_factory=dict)  # network → adapter
    intervals: dict[str, float] = field(default_factory=dict)  # label → poll seconds
    rules: ReplyRules = field(default_factory=ReplyRules)
    x: XClient | None = None


def build_x(settings: Settings) -> XClient | None:
    """The X adapter when X credentials are set."""
    if not settings.x_configured:
        return None
    from bot.networks.x import XClient

    secret = lambda value: value.get_secret_value() if value else None  # noqa: E731
    return XClient(
        bearer_token=secret(settings.x_bearer_token),
        api_key=secret(settings.x_api_key),
        api_secret=secret(settings.x_api_secret),
        access_token=secret(settings.x_access_token),
        access_secret=secret(settings.x_access_token_secret),
        handle=settings.brand_handle,
        api_url=settings.x_api_url,
        search_query=settings.x_search_query,
    )


def build_networks(settings: Settings, store: Store) -> Networks:
    """Build the adapter of every network whose settings are filled in."""
    found = Networks(x=build_x(settings))
    limits: dict[str, int] = {}
    if found.x is not None:
        routes = ["x", "x_search"] if settings.x_can_post else []
        found.adapters.update(dict.fromkeys(routes, found.x))
        found.intervals["X"] = settings.x_poll_seconds
    if settings.bluesky_configured:
        from bot.networks.bluesky import BlueskyClient

        assert settings.bluesky_handle and settings.bluesky_app_password
        found.adapters["bluesky"] = BlueskyClient(
            settings.bluesky_handle,
            settings.bluesky_app_password.get_secret_value(),
            settings.bluesky_service_url,
            session=StoredValue(store, "bluesky:session"),
        )
        found.intervals["Bluesky"] = settings.bluesky_poll_seconds
    if settings.mastodon_configured:
        from bot.networks.mastodon import MastodonClient

        assert settings.mastodon_api_base_url and settings.mastodon_access_token
        mastodon = MastodonClient(
            settings.mastodon_api_base_url, settings.mastodon_access_token.get_secret_value()
        )
        found.adapters["mastodon"] = mastodon
        found.intervals["Mastodon"] = settings.mastodon_poll_seconds
        limits["mastodon"] = mastodon.max_characters()
    if settings.reddit_configured:
        from bot.networks.reddit import RedditClient

        assert settings.reddit_client_id and settings.reddit_client_secret
        assert settings.reddit_username and settings.reddit_password
        found.adapters["reddit"] = RedditClient(
            settings.reddit_client_id,
            settings.reddit_client_secret.get_secret_value(),
            settings.reddit_username,
            settings.reddit_password.get_secret_value(),
            user_agent=settings.reddit_user_agent,
            subreddits=settings.reddit_subreddit_list,
            search_query=settings.reddit_search_query,
            oauth_url=settings.reddit_oauth_url,
            reddit_url=settings.reddit_url,
        )
        found.intervals["Reddit"] = settings.reddit_poll_seconds
    found.rules = ReplyRules(limits)
    return found


def build_publisher(settings: Settings, networks: Networks | None = None) -> ReplyPublisher:
    """Each network's replies go to its adapter; anything without one (feeds, X read-only) to
    the outbox."""
    from bot.publishers import RoutingPublisher

    outbox = OutboxPublisher(settings.data_dir / "outbox.jsonl")
    routes = networks.adapters if networks is not None else {}
    if not routes:
        return outbox
    return RoutingPublisher(dict(routes), outbox)


def build_sources(store: Store, networks: Networks) -> list[NetworkPoller]:
    """One poller per configured network, each on its own interval."""
    from bot.networks.poller import NetworkPoller

    sources: list[MentionSource] = [networks.x] if networks.x is not None else []
    sources += [a for n, a in networks.adapters.items() if n not in ("x", "x_search")]
    return [NetworkPoller(source, store, networks.intervals[source.label]) for source in sources]


_ALL_NETWORKS = ("X", "Bluesky", "Mastodon", "Reddit")


def network_status(pollers: list[NetworkPoller]) -> list[str]:
    """One line per network for `/mentions status`: its poller's state, or why it is off."""
    lines = {poller.label: poller.status() for poller in pollers}
    return [lines.get(label, f"{label}: off (no credentials set)") for label in _ALL_NETWORKS]


def build_review(
    core: Core,
    store: Store,
    publisher: ReplyPublisher | None = None,
    rules: ReplyRules | None = None,
) -> ReviewService:
    return ReviewService(
        store,
        publisher or build_publisher(core.settings),
        redraft=core.redraft,
        rules=rules or ReplyRules(),
    )


@dataclass
class SlackParts:
    app: App
    desk: CardDesk
    runner: Runner


def build_slack(
    core: Core,
    store: Store,
    socket_mode: bool,
    publisher: ReplyPublisher | None = None,
) -> SlackParts:
    """Assemble the Slack app, its card desk and the background runner."""
    from bot.runtime import Runner
    from bot.slack.app import build_app, build_client
    from bot.slack.approvers import Approvers
    from bot.slack.cards import CardDesk
    from bot.slack.handlers import SlackDeps

    settings = core.settings
    settings.require_slack(socket_mode)
    assert settings.slack_bot_token and settings.slack_review_channel  # checked just above
    client = build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    networks = build_networks(settings, store)
    publisher = publisher or build_publisher(settings, networks)
    review = build_review(core, store, publisher, networks.rules)
    desk = CardDesk(
        client,
        store,
        settings.slack_review_channel,
        settings.slack_oncall_group,
        rules=networks.rules,
    )
    users, groups = settings.approver_ids
    sources = build_sources(store, networks)
    deps = SlackDeps(
        store=store,
        review=review,
        cards=desk,
        approvers=Approvers(users, groups, client, kb_editors=settings.kb_editor_ids),
        expert_channel=settings.slack_expert_channel,
        knowledge_dir=settings.knowledge_dir,
        on_knowledge_changed=core.reload_knowledge,
        status=lambda: network_status(sources),
    )
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = build_app(deps, client, secret, socket_mode=socket_mode)
    runner = Runner(core.pipeline, store, desk, review, sources)
    return SlackParts(app=app, desk=desk, runner=runner)


def build_worker(core: Core, store: Store) -> Runner:
    """The worker's runner: drafts new mentions, and cards them when Slack is configured."""
    from bot.runtime import Runner

    settings = core.settings
    desk = None
    if settings.slack_bot_token and settings.slack_review_channel:
        from bot.slack.app import build_client
        from bot.slack.cards import CardDesk

    networks = build_networks(settings, store)
    if settings.slack_bot_token and settings.slack_review_channel:
        from bot.slack.app import build_client
        from bot.slack.cards import CardDesk

        client = build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        desk = CardDesk(
            client,
            store,
            settings.slack_review_channel,
            settings.slack_oncall_group,
            rules=networks.rules,
        )
    review = build_review(core, store, build_publisher(settings, networks), networks.rules)
    lease = timedelta(seconds=settings.claim_seconds)
    sources = build_sources(store, networks)
    return Runner(core.pipeline, store, desk, review, sources, lease, settings.claim_batch)


def default_feed() -> Path:
    """Return the bundled sample feed used by `bot demo`."""
    return Path(__file__).resolve().parent.parent / "samples" / "mentions.jsonl"
