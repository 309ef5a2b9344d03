from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_need_no_credentials() -> None:
    settings = load_settings()
    assert settings.knowledge_dir == Path("knowledge")
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert not settings.llm_configured


def test_exact_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_BRAND_NAME", "Brewline")
    monkeypatch.setenv("BOT_BRAND_HANDLE", "@brewline")
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", "/kb")
    monkeypatch.setenv("BOT_DATA_DIR", "/data")
    monkeypatch.setenv("BOT_REACH_THRESHOLD", "500")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1/test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    settings = load_settings()
    assert settings.brand_name == "Brewline"
    assert settings.brand_handle == "brewline"
    assert settings.knowledge_dir == Path("/kb")
    assert settings.reach_threshold == 500
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@127.0.0.1/test"
    assert settings.llm_configured
    assert "sk-test-123" not in repr(settings)


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_BRAND_NAME", "FromEnv")
    assert load_settings(brand_name="FromFlag").brand_name == "FromFlag"


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_REACH_THRESHOLD", "lots")
    with pytest.raises(SettingsError, match="BOT_REACH_THRESHOLD"):
        load_settings()


def test_placeholder_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "changeme")
    with pytest.raises(SettingsError, match="OPENAI_API_KEY"):
        load_settings()


def test_kb_editors_are_parsed_like_approvers(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = " UEDITOR, SKBGROUP ,,UOTHER, "
    monkeypatch.setenv("SLACK_APPROVERS", listed)
    monkeypatch.setenv("SLACK_KB_EDITORS", listed)
    settings = load_settings()
    assert settings.kb_editor_ids == ({"UEDITOR", "UOTHER"}, {"SKBGROUP"})
    assert settings.kb_editor_ids == settings.approver_ids


def test_kb_editors_default_to_empty_and_a_flag_overrides_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_APPROVERS", "UAPPROVER")
    assert load_settings().kb_editor_ids == (set(), set())  # empty: the approvers decide
    monkeypatch.setenv("SLACK_KB_EDITORS", "UFROMENV")
    assert load_settings().kb_editor_ids == ({"UFROMENV"}, set())
    assert load_settings(slack_kb_editors="SFLAG").kb_editor_ids == (set(), {"SFLAG"})
    monkeypatch.setenv("SLACK_KB_EDITORS", " , ")
    assert load_settings().kb_editor_ids == (set(), set())
