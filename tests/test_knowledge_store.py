"""Expert answers kept in the store: indexed beside the knowledge files, and `bot knowledge
list|remove|export` for editors (single host: SQLite and a local Chroma directory)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import container
from bot.cli import app
from bot.knowledge.expert import PROVENANCE
from bot.knowledge.loader import load_file
from bot.settings import load_settings
from tests.conftest import SAMPLE_KB
from tests.fakes import HashEmbedder

runner = CliRunner()
WHEN = datetime(2024, 5, 1, 14, 5, tzinfo=UTC)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, target)
    return target


def invoke(*args: str, env: dict[str, str]):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_entries_are_indexed_beside_the_files_and_survive_a_file_change(tmp_path, kb) -> None:
    settings = load_settings(knowledge_dir=kb, data_dir=tmp_path / "data")
    entries = container.build_entries(settings)
    saved = entries.save("@ann Yes, the Volta floats. <@U1>", "UEXPERT", "UEDITOR", WHEN, None)
    assert (
        saved.text == "Yes, the Volta floats." and saved.heading == "Expert answer 1 (2024-05-01)"
    )
    embedder = HashEmbedder()
    first = container.build_index(settings, embedder, entries).sync(kb)
    assert saved.source_key in first.added
    (kb / "policies" / "returns.md").write_text("# Returns\n\n## Period\n30 days.\n")
    index = container.build_index(settings, embedder, entries)
    again = index.sync(kb)
    assert again.updated == ["policies/returns.md"] and again.unchanged > 0
    [answer] = [c for c in index.chunks() if c.doc == "expert-answers"]
    assert answer.text == "Yes, the Volta floats." and "UEXPERT" not in answer.index_text


def test_a_save_refuses_an_empty_answer_or_a_saver_that_is_no_user_id(tmp_path) -> None:
    entries = container.build_entries(load_settings(data_dir=tmp_path / "data"))
    with pytest.raises(ValueError, match="empty"):
        entries.save("@ann <@U1>", "UEXPERT", "UEDITOR", WHEN, None)
    with pytest.raises(ValueError, match="not a user id"):
        entries.save("An answer.", "UEXPERT", "two words", WHEN, None)
    assert entries.entries() == []


def test_editors_list_withdraw_and_export_answers(tmp_path, kb) -> None:
    env = {"BOT_DATA_DIR": str(tmp_path / "data"), "BOT_KNOWLEDGE_DIR": str(kb)}
    entries = container.build_entries(load_settings(knowledge_dir=kb, data_dir=tmp_path / "data"))
    first = entries.save("The Volta survives a drop into a snowdrift.", "UEXP", "UED", WHEN, None)
    second = entries.save("The Pocket 20 powers a Switch dock.", "UEXP", "UED", WHEN, None)
    indexed = invoke("index", env=env)
    assert "added" in indexed.stdout

    listed = invoke("knowledge", "list", env=env)
    assert "snowdrift" in listed.stdout and "Switch dock" in listed.stdout
    assert "2 answer(s)" in listed.stdout

    removed = invoke("knowledge", "remove", str(first.id), "--by", "UED", env=env)
    assert removed.exit_code == 0 and f"withdrew answer {first.id}" in removed.stdout
    assert "snowdrift" not in invoke("knowledge", "list", env=env).stdout
    everything = invoke("knowledge", "list", "--all", env=env).stdout
    assert "snowdrift" in everything and "by UED" in everything
    index = container.build_index(load_settings(knowledge_dir=kb, data_dir=tmp_path / "data"))
    assert not any("snowdrift" in c.text for c in index.chunks())  # the index dropped it
    again = runner.invoke(app, ["knowledge", "remove", str(first.id)], env=env)
    assert again.exit_code == 1 and "withdrawn already" in again.stderr
    missing = runner.invoke(app, ["knowledge", "remove", "99"], env=env)
    assert missing.exit_code == 1 and "no expert answer with id 99" in missing.stderr

    out = tmp_path / "export"
    exported = invoke("knowledge", "export", str(out), env=env)
    assert "wrote 1 answer(s)" in exported.stdout
    [path] = sorted(out.iterdir())
    assert path.name == f"expert-answer-{second.id}.md"
    text = path.read_text()
    [found] = PROVENANCE.finditer(text)  # who wrote and saved it, for the reviewer
    assert (found["expert"], found["saved_by"], found["at"]) == ("UEXP", "UED", "2024-05-01 14:05")
    # Committed into a knowledge directory, the file loads as the answer and nothing else.
    [chunk] = load_file(out, path).chunks
    assert chunk.text == "The Pocket 20 powers a Switch dock."
