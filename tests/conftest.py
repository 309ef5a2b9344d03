"""Shared fixtures. No test reaches the internet: pytest-socket (configured in pyproject.toml)
allows loopback only, and the Hugging Face hub is forced offline before anything imports it."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import shutil
from pathlib import Path

import pytest

from bot import container
from bot.knowledge.embeddings import WordLlamaEmbedder
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB = ROOT / "knowledge"
OTHER_KB = ROOT / "tests" / "fixtures" / "kb_other"
THIRD_KB = ROOT / "tests" / "fixtures" / "kb_third"
FOURTH_KB = ROOT / "tests" / "fixtures" / "kb_fourth"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep a developer's .env and BOT_* variables out of the tests."""
    for name in list(os.environ):
        if name.startswith(("BOT_", "OPENAI_", "SLACK_", "X_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder() -> WordLlamaEmbedder:
    return WordLlamaEmbedder()


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("data")
    return load_settings(knowledge_dir=SAMPLE_KB, data_dir=data)


@pytest.fixture(scope="session")
def core(sample_settings: Settings, embedder: WordLlamaEmbedder) -> container.Core:
    """The real offline engine on the sample brand (built once per test session)."""
    return container.build_core(sample_settings, embedder=embedder)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample knowledge base."""
    target = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, target)
    return target
