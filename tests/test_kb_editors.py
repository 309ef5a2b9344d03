"""Knowledge editors (`SLACK_KB_EDITORS`): who may save an expert's answer to the knowledge base,
and what a saved answer records. The Slack tests go through signed HTTP into the real Bolt app,
with the real slack_sdk WebClient talking to the local Slack stub, like tests/test_slack_app.py.
A saved answer is a knowledge entry in the store (no longer a section appended to a file in the
knowledge directory); the older file format still loads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain import Status
from bot.knowledge.expert import EXPERT_FILE, PROVENANCE, KnowledgeEntry, append_expert_answer
from bot.knowledge.loader import load_document, load_file
from bot.slack import blocks, ids
from bot.slack.app import build_client
from bot.slack.approvers import Approvers
from bot.store.models import AuditRow
from tests.slack_http import block_action, event_envelope
from tests.slack_stub import SlackStub, wait_until
from tests.test_slack_app import APPROVER, EXPERT, OUTSIDER, Env, make_env

EDITOR = "UEDITOR"
ANSWER = "Yes: the Pocket 20's 65 W USB-C port powers the Switch dock."


@pytest.fixture
def make(tmp_path: Path, embedder) -> Iterator[Callable[..., Env]]:
    """Build the Slack app with extra settings (one app per test); close it afterwards."""
    made: list[Env] = []

    def build(**settings: str) -> Env:
        env = make_env(tmp_path, embedder, **settings)
        made.append(env)
        return env

    yield build
    for env in made:
        env.close()


def expert_answered(env: Env) -> tuple[int, str]:
    """Escalate a mention, answer it in the thread; return the row and the Save button value."""
    row = env.ingest("does the Pocket 20 work with a Nintendo Switch dock?")
    env.click(ids.ESCALATE, row, user=APPROVER)
    # The thread is opened by a listener after the ack; on a loaded machine (a Chroma server
    # beside it) that can take longer than the default wait.
    wait_until(lambda: env.store.get(row).expert_ts is not None, 30.0, what="expert thread")
    thread_ts = env.store.get(row).expert_ts
    answer = {
        "type": "message",
        "channel": "CEXPERT",
        "user": EXPERT,
        "text": ANSWER,
        "ts": "1700000999.000200",
        "thread_ts": thread_ts,
        "channel_type": "channel",
    }
    env.send.event(event_envelope(answer, f"Ev-answer-{row}"))

    def thread_replies() -> list:
        return [c for c in env.stub.of("chat.postMessage") if c.params.get("thread_ts")]

    wait_until(lambda: bool(thread_replies()), what="the bot's thread reply")
    [reply] = thread_replies()
    [save] = [
        element
        for block in reply.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ids.SAVE_TO_KB
    ]
    return row, save["value"]


def click_save(env: Env, value: str, user: str) -> None:
    status, _ = env.send.interactive(block_action(ids.SAVE_TO_KB, value, user, channel="CEXPERT"))
    assert status == 200


def kb_file(env: Env) -> Path:
    return env.core.settings.knowledge_dir / EXPERT_FILE


def saved_entries(env: Env) -> list[KnowledgeEntry]:
    assert env.core.entries is not None
    return env.core.entries.live()


def save_audits(env: Env) -> list[tuple[int | None, str, str | None]]:
    with env.store.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.mention_id, AuditRow.actor, AuditRow.after).where(
                AuditRow.action == "save_to_kb"
            )
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def ephemerals_to(env: Env, user: str) -> list[str]:
    return [c.params["text"] for c in env.stub.of("chat.postEphemeral") if c.params["user"] == user]


def assert_refused(env: Env, user: str, expected: str) -> None:
    wait_until(lambda: bool(ephemerals_to(env, user)), what=f"a refusal for {user}")
    assert ephemerals_to(env, user) == [blocks.refusal(expected)]
    time.sleep(0.3)  # give a wrongly admitted save the time to write
    assert saved_entries(env) == [] and not kb_file(env).exists()
    assert save_audits(env) == []


# -- through Slack -------------------------------------------------------------------------


def test_an_editor_saves_and_the_answer_records_its_author_and_saver(make) -> None:
    env = make(slack_kb_editors=EDITOR)
    row, value = expert_answered(env)
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    click_save(env, value, EDITOR)
    wait_until(lambda: bool(ephemerals_to(env, EDITOR)), what="the saver's confirmation")
    after = datetime.now(UTC)
    [entry] = saved_entries(env)
    assert f"Saved to the knowledge base (entry {entry.id})" in ephemerals_to(env, EDITOR)[0]
    assert not kb_file(env).exists()  # the store keeps it, so every host indexes it

    assert entry.text == ANSWER and entry.mention_id == row
    assert (entry.expert, entry.saved_by) == (EXPERT, EDITOR)
    assert before <= entry.saved_at <= after
    [found] = PROVENANCE.finditer(entry.markdown())
    assert (found["expert"], found["saved_by"]) == (EXPERT, EDITOR)

    [(mention, actor, audited)] = save_audits(env)
    assert (mention, actor) == (row, EDITOR)
    assert audited is not None and found[0] in audited and ANSWER in audited

    # The record is for people reading the entry; the knowledge a reply may quote is the answer.
    chunks = load_document(entry.source_key, "expert-answers", entry.document()).chunks
    assert [c.text for c in chunks] == [ANSWER]
    assert not any(EDITOR in c.index_text or EXPERT in c.index_text for c in chunks)
    wait_until(
        lambda: any(s.doc == "expert-answers" for s in env.core.retriever.search("Switch dock", 3)),
        what="re-indexed",
    )


def test_a_non_editor_is_refused_and_nothing_is_written(make) -> None:
    env = make(slack_kb_editors=f"{EDITOR},SKBEDITORS")  # SKBEDITORS has no members
    row, value = expert_answered(env)
    expected = (
        "Only knowledge editors can save answers to the knowledge base: "
        f"<@{EDITOR}> and members of <!subteam^SKBEDITORS>."
    )
    # Neither an approver nor the expert who wrote the answer is a knowledge editor here.
    for user in (APPROVER, EXPERT):
        click_save(env, value, user)
        assert_refused(env, user, expected)
    assert env.status(row) is Status.DRAFTED
    assert env.store.get(row).draft.origin == "expert"


def test_empty_kb_editors_falls_back_to_the_approvers(make) -> None:
    env = make()  # SLACK_APPROVERS is UAPPROVER and the group SAPPROVERS; no SLACK_KB_EDITORS
    _, value = expert_answered(env)
    click_save(env, value, OUTSIDER)
    assert_refused(
        env,
        OUTSIDER,
        "Only approvers can save answers to the knowledge base: "
        f"<@{APPROVER}> and members of <!subteam^SAPPROVERS>.",
    )

    click_save(env, value, APPROVER)
    wait_until(lambda: bool(saved_entries(env)), what="knowledge entry")
    [entry] = saved_entries(env)
    assert (entry.expert, entry.saved_by) == (EXPERT, APPROVER)
    assert [actor for _, actor, _ in save_audits(env)] == [APPROVER]


def test_a_member_of_a_kb_editor_group_may_save(make) -> None:
    env = make(slack_kb_editors="SKBEDITORS")
    env.stub.group_members["SKBEDITORS"] = ["UKBMEMBER"]
    _, value = expert_answered(env)
    click_save(env, value, "UKBMEMBER")
    wait_until(lambda: bool(saved_entries(env)), what="knowledge entry")
    assert [e.saved_by for e in saved_entries(env)] == ["UKBMEMBER"]
    looked_up = [c.params["usergroup"] for c in env.stub.of("usergroups.users.list")]
    assert looked_up == ["SKBEDITORS"]  # the approvers' group is not asked about saving


# -- the rule and the file format ----------------------------------------------------------


def test_with_no_approvers_and_no_editors_anyone_may_save() -> None:
    stub = SlackStub()
    try:
        client = build_client("xoxb-test-token", stub.url)
        anyone = Approvers(set(), set(), client)
        assert anyone.allowed(OUTSIDER) and anyone.may_save_to_kb(OUTSIDER)
        editors_only = Approvers(set(), set(), client, kb_editors=({EDITOR}, set()))
        assert editors_only.allowed(OUTSIDER) and not editors_only.may_save_to_kb(OUTSIDER)
        assert editors_only.may_save_to_kb(EDITOR)
    finally:
        stub.close()


def test_a_long_list_of_editors_is_cut_short_in_the_refusal() -> None:
    users = [f"U{n:02}" for n in range(12)]
    text = blocks.save_refused(users, [], "knowledge editors")
    assert text.count("<@U") == 10 and text.endswith("<@U09> and 2 more.")
    assert blocks.save_refused(["U1"], [], "approvers") == (
        "Only approvers can save answers to the knowledge base: <@U1>."
    )


def test_an_older_answers_file_still_loads_and_grows(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    path = kb / EXPERT_FILE
    path.parent.mkdir(parents=True)
    path.write_text(
        "# Expert answers\n\nAnswers written by our experts for questions from customers.\n"
        "\n## Expert answer 1 (2024-03-02)\n"
        "<!-- answered by UOLD; saved by UOLDSAVER on 2024-03-02 10:15 UTC -->\n"
        "The Volta charges from a car socket at up to 120 W.\n"
    )
    when = datetime(2024, 5, 1, 16, 5, tzinfo=UTC) + timedelta(hours=2)
    saved = append_expert_answer(kb, "@ann <@U999> It floats? No.", EXPERT, EDITOR, when)
    assert saved.heading == "Expert answer 2 (2024-05-01)"
    assert saved.saved_at == when and (saved.expert, saved.saved_by) == (EXPERT, EDITOR)
    text = path.read_text()
    assert text.endswith(
        "## Expert answer 2 (2024-05-01)\n"
        f"_Answered by {EXPERT}, saved by {EDITOR} on 2024-05-01 18:05 UTC._\n"
        "\nIt floats? No.\n"
    )
    assert "<!-- answered by UOLD" in text  # the older section is left as it was
    chunks = {c.ref: c for c in load_file(kb, path).chunks}
    assert chunks["Expert answer 1 (2024-03-02)"].text == (
        "The Volta charges from a car socket at up to 120 W."
    )
    assert chunks["Expert answer 2 (2024-05-01)"].text == "It floats? No."
    assert not any("nswered by" in c.index_text for c in chunks.values())


def test_a_saver_that_is_not_a_user_id_is_refused(tmp_path: Path) -> None:
    when = datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a user id"):
        append_expert_answer(tmp_path, "An answer.", EXPERT, "two words", when)
    assert not (tmp_path / EXPERT_FILE).exists()
