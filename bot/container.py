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

from bot.drafting.address import Address
from bot.drafting.gate import AnswerGate
from bot.drafting.grounding import Grounder
from bot.drafting.guards import GuardRules
from bot.drafting.kinds import load_answer_kinds
from bot.drafting.offline import OfflineDrafter
from bot.drafting.phrases import load_bad_news, load_phrases
from bot.drafting.shapes import QuestionShapes
from bot.events import Events, NoEvents
from bot.knowledge.embeddings import RecentTexts, WordLlamaEmbedder
from bot.knowledge.expert import EXPERT_DOC
from bot.knowledge.glossary import Glossary
from bot.knowledge.index import Document, HnswParams, KnowledgeIndex, Progress, SyncReport
from bot.knowledge.loader import product_names
from bot.knowledge.retriever import HybridRetriever
from bot.knowledge.shared import ChromaServer, ServerBackend
from bot.knowledge.topics import UncoveredTopics
from bot.language import LanguageDetector
from bot.networks.base import MentionSource, NetworkAdapter, StoredValue
from bot.networks.rules import ReplyRules
from bot.pipeline import Pipeline
from bot.ports import Embedder
from bot.publishers import OutboxPublisher
from bot.review import ReplyPublisher, ReviewService
from bot.rules import load_rules
from bot.settings import Settings, SettingsError
from bot.store import MentionRecord, Store, make_engine
from bot.store.knowledge import KnowledgeEntries
from bot.triage import BrandIdentity, HazardLexicon, RuleTriager
from bot.triage.model import IntentModel
from bot.triage.vocabulary import BrandVocabulary

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.cases.flow import CaseFlow
    from bot.crm import CrmSender
    from bot.domain import Draft
    from bot.networks.poller import NetworkPoller
    from bot.networks.x import XClient
    from bot.runtime import Runner
    from bot.slack.cards import CardDesk
    from bot.slack.incident_handlers import IncidentHandlers

log = logging.getLogger(__name__)

# How often a web or worker process looks whether another process changed the knowledge index
# (one small request to the Chroma server, or a stat of the local manifest).
KNOWLEDGE_REFRESH_SECONDS = 5.0


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
    entries: KnowledgeEntries | None = None  # expert answers in the store
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop_watching: threading.Event = field(default_factory=threading.Event, repr=False)

    def reload_knowledge(self) -> SyncReport:
        """Re-index changed knowledge sources and swap the new retriever into the pipeline."""
        with self._lock:
            report = self.index.sync(self.settings.knowledge_dir)
            self._swap_retriever()
        log.info("knowledge reloaded: %d chunks", report.chunks)
        return report

    def refresh_knowledge(self) -> bool:
        """Pick up an index another process changed (an answer saved on another host)."""
        with self._lock:
            if not self.index.refresh():
                return False
            self._swap_retriever()
        log.info("knowledge refreshed from the shared index")
        return True

    def watch_knowledge(self, every: float = KNOWLEDGE_REFRESH_SECONDS) -> threading.Thread:
        """Refresh the knowledge every `every` seconds in a daemon thread."""

        def loop() -> None:
            while not self._stop_watching.wait(every):
                try:
                    self.refresh_knowledge()
                except Exception:  # the next round retries; drafting goes on meanwhile
                    log.exception("refreshing the knowledge index failed")

        thread = threading.Thread(target=loop, name="knowledge-refresh", daemon=True)
        thread.start()
        return thread

    def stop_watching(self) -> None:
        self._stop_watching.set()

    def _swap_retriever(self) -> None:
        retriever, grounder = _knowledge(self.settings, self.index, self.embedder, self.glossary)
        self.retriever, self.grounder = retriever, grounder
        self.drafter.grounder = grounder
        self.pipeline.knowledge, self.pipeline.grounder = retriever, grounder

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


def build_entries(settings: Settings) -> KnowledgeEntries:
    """The expert answers in the store (`Store` first: it refuses a database too old)."""
    return KnowledgeEntries(Store(make_engine(settings.sqlalchemy_url)).engine, migrate=False)


def build_index(
    settings: Settings, embedder: Embedder | None = None, entries: KnowledgeEntries | None = None
) -> KnowledgeIndex:
    """The index of the knowledge directory and the store's expert answers: in a local Chroma
    directory, or with CHROMA_HOST on the shared server, whose sync lock is then in the store."""
    embedder = embedder or build_embedder(settings)
    entries = entries or build_entries(settings)

    def documents() -> list[Document]:
        return [Document(e.source_key, EXPERT_DOC, e.document()) for e in entries.live()]

    if settings.chroma_host is None:
        return KnowledgeIndex(settings.data_dir, embedder, documents=documents)
    if entries.engine.dialect.name == "sqlite":
        log.warning(
            "CHROMA_HOST is set but the store is SQLite: the index lock lives in the store, so "
            "only the processes of this host take turns; several hosts need DATABASE_URL"
        )
    token = settings.chroma_auth_token
    server = ChromaServer(
        settings.chroma_host,
        settings.chroma_port,
        settings.chroma_ssl,
        token.get_secret_value() if token else None,
    )
    return KnowledgeIndex(
        settings.data_dir,
        embedder,
        backend=ServerBackend(server, HnswParams(), embedder.name),
        documents=documents,
        lock=entries.index_lock,
    )


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
        shapes=QuestionShapes.load(settings.prompts_path / "question_shapes.toml"),
    )
    return retriever, grounder


def build_triager(
    settings: Settings, embedder: Embedder | None = None, glossary: Glossary | None = None
) -> RuleTriager:
    """Return the rule triage for the configured prompts and knowledge directory.

    The brand's hazard vocabulary and its own domains are read from the knowledge directory's
    files, so triage needs no index (`bot triage-eval` runs without one). `glossary` is the
    one the rest of the core uses, when there is one (loaded from the prompts otherwise).
    """
    rules = load_rules(settings.prompts_path / "triage_rules.toml")
    glossary = glossary or Glossary.load(settings.prompts_path / "glossary.toml")
    stop_words = frozenset().union(*rules.stop_words.values())
    knowledge = settings.knowledge_dir
    languages = LanguageDetector()
    return RuleTriager(
        rules,
        settings.reach_threshold,
        languages=languages,
        hazards=HazardLexicon.from_directory(
            knowledge, rules.safety_docs, stop_words, languages.detect
        ),
        brand=BrandIdentity.from_directory(settings.brand_name, settings.brand_handle, knowledge),
        vocabulary=BrandVocabulary.from_directory(
            knowledge,
            glossary.service_words(),
            glossary.expansions,
            languages.detect,
            glossary.calendar,
        ),
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
    entries: KnowledgeEntries | None = None,
) -> Core:
    """Sync the knowledge base and assemble the pipeline (the LLM path when one is configured)."""
    embedder = embedder or build_embedder(settings)
    entries = entries or build_entries(settings)
    index = build_index(settings, embedder, entries)
    report = index.sync(settings.knowledge_dir, progress)
    prompts = settings.prompts_path
    glossary = Glossary.load(prompts / "glossary.toml")
    retriever, grounder = _knowledge(settings, index, embedder, glossary)
    triager = build_triager(settings, embedder, glossary)
    rules = triager.rules
    phrases = load_phrases(prompts / "replies.toml", settings.brand_name)
    bad_news = load_bad_news(prompts / "bad_news.toml")
    gate = AnswerGate.load(prompts / "answer_gate.toml")
    drafter = OfflineDrafter(
        grounder,
        phrases,
        alarming=rules.safety_incident,
        bad_news=bad_news,
        gate=gate,
        address=Address.load(prompts / "address.toml"),
    )
    if settings.llm_configured and not offline:
        pipeline = _llm_pipeline(settings, triager, retriever, grounder, drafter)
    else:
        guards = GuardRules.load(prompts / "never_say.toml")
        pipeline = Pipeline(triager, retriever, grounder, drafter, guards=guards)
    return Core(
        settings,
        *(embedder, index, glossary, retriever, triager, grounder, drafter, pipeline, report),
        entries=entries,
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


def crm_status(events: Events) -> list[str]:
    """The CRM hand-off's backlog line for `/mentions status`, when it is configured."""
    from bot.crm import CrmOutbox

    if not isinstance(events, CrmOutbox):
        return []
    return [events.backlog().line(events.clock())]


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
        events=build_events(core.settings, store),
    )


def build_events(settings: Settings, store: Store) -> Events:
    """The CRM outbox when CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET are set, else nowhere."""
    if settings.crm_webhook_url and settings.crm_webhook_secret:
        from bot.crm import CrmOutbox

        return CrmOutbox(store)
    return NoEvents()


def build_crm_sender(settings: Settings, store: Store) -> CrmSender | None:
    """The delivery side of the hand-off, run in every serve and worker process's rounds."""
    if not (settings.crm_webhook_url and settings.crm_webhook_secret):
        return None
    import os
    import socket

    from bot.crm import CrmOutbox, CrmSender

    return CrmSender(
        CrmOutbox(store),
        settings.crm_webhook_url,
        settings.crm_webhook_secret.get_secret_value(),
        worker=f"{socket.gethostname()}:{os.getpid()}",
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
    from bot.slack.handlers import SlackDeps

    settings = core.settings
    settings.require_slack(socket_mode)
    assert settings.slack_bot_token and settings.slack_review_channel  # checked just above
    client = build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    networks = build_networks(settings, store)
    publisher = publisher or build_publisher(settings, networks)
    review = build_review(core, store, publisher, networks.rules)
    desk = _card_desk(settings, store, client, networks)
    users, groups = settings.approver_ids
    sources = build_sources(store, networks)
    flow, incidents = build_cases(core, store, review, networks, client, desk)
    deps = SlackDeps(
        store=store,
        review=review,
        cards=desk,
        approvers=Approvers(users, groups, client, kb_editors=settings.kb_editor_ids),
        expert_channel=settings.slack_expert_channel,
        knowledge=core.entries or build_entries(settings),
        on_knowledge_changed=core.reload_knowledge,
        status=lambda: network_status(sources) + crm_status(review.events),
        sla_minutes=settings.sla_minutes,
        brand_name=settings.brand_name,
        incidents=incidents,
    )
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = build_app(deps, client, secret, socket_mode=socket_mode)
    crm = build_crm_sender(settings, store)
    lease = timedelta(seconds=settings.claim_seconds)  # the same leases and batches as workers
    runner = Runner(
        core.pipeline, store, desk, review, sources, lease, settings.claim_batch, flow, crm
    )
    core.watch_knowledge()  # an answer saved on another host reaches this one's drafts
    return SlackParts(app=app, desk=desk, runner=runner)


def _card_desk(settings: Settings, store: Store, client: WebClient, networks: Networks) -> CardDesk:
    from bot.slack.cards import CardDesk

    assert settings.slack_review_channel
    return CardDesk(
        client,
        store,
        settings.slack_review_channel,
        settings.slack_oncall_group,
        rules=networks.rules,
    )


def build_cases(
    core: Core,
    store: Store,
    review: ReviewService,
    networks: Networks,
    client: WebClient | None = None,
    desk: CardDesk | None = None,
) -> tuple[CaseFlow, IncidentHandlers | None]:
    """Conversations, incidents and spike alerts; their Slack side when Slack is configured."""
    import os
    import socket
    import uuid

    from bot.cases.flow import CaseFlow
    from bot.cases.placer import CasePlacer
    from bot.cases.service import IncidentService
    from bot.cases.spikes import SpikeWatch
    from bot.store.cases import CaseStore

    settings = core.settings
    cases = CaseStore(store)
    stop_words = frozenset().union(*core.triager.rules.stop_words.values())
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    placer = CasePlacer(
        store,
        cases,
        window=timedelta(minutes=settings.incident_window_minutes),
        min_authors=settings.incident_min_mentions,
        stop_words=stop_words,
        holder=holder,
        events=review.events,
    )
    if client is None or desk is None:
        return CaseFlow(store, placer), None
    from bot.slack.incident_desk import IncidentDesk, SlackSpikeNotifier
    from bot.slack.incident_handlers import IncidentHandlers

    assert settings.slack_review_channel
    incident_desk = IncidentDesk(
        client, store, cases, placer, desk, settings.slack_review_channel, rules=networks.rules
    )
    notifier = SlackSpikeNotifier(
        client,
        settings.slack_alert_channel or settings.slack_review_channel,
        settings.slack_oncall_group,
        incident_desk,
    )
    spikes = SpikeWatch(
        store,
        cases,
        notifier,
        spike_min=settings.spike_min,
        factor=settings.spike_factor,
        cooldown=timedelta(minutes=settings.spike_cooldown_minutes),
        stop_words=stop_words,
        holder=holder,
        events=review.events,
    )
    service = IncidentService(store, cases, review, networks.rules)
    return CaseFlow(store, placer, incident_desk, spikes), IncidentHandlers(service, incident_desk)


def build_worker(core: Core, store: Store) -> Runner:
    """The worker's runner: drafts new mentions, and cards them when Slack is configured."""
    from bot.runtime import Runner

    settings = core.settings
    desk = None
    client = None
    networks = build_networks(settings, store)
    if settings.slack_bot_token and settings.slack_review_channel:
        from bot.slack.app import build_client

        client = build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        desk = _card_desk(settings, store, client, networks)
    review = build_review(core, store, build_publisher(settings, networks), networks.rules)
    lease = timedelta(seconds=settings.claim_seconds)
    sources = build_sources(store, networks)
    flow, _ = build_cases(core, store, review, networks, client, desk)
    core.watch_knowledge()  # an answer saved by the web process reaches this worker's drafts
    crm = build_crm_sender(settings, store)
    return Runner(
        core.pipeline, store, desk, review, sources, lease, settings.claim_batch, flow, crm
    )


def build_slack_client(settings: Settings) -> WebClient:
    """A Web API client on the bot token alone (`bot digest`: no channel, no listeners)."""
    from bot.slack.app import build_client

    if settings.slack_bot_token is None:
        raise SettingsError("missing setting(s): SLACK_BOT_TOKEN")
    return build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)


def default_feed() -> Path:
    """Return the bundled sample feed used by `bot demo`."""
    return Path(__file__).resolve().parent.parent / "samples" / "mentions.jsonl"
