import ast
from pathlib import Path

import pytest

from bot.domain import IllegalTransition, Mention, Priority, Status, transition

BOT = Path(__file__).resolve().parent.parent / "bot"
SDKS = {"slack_sdk", "slack_bolt", "tweepy", "chromadb", "openai", "langchain", "langchain_openai"}


@pytest.mark.parametrize(
    "module",
    [
        "domain.py",
        "ports.py",
        "triage/triager.py",
        "triage/brand.py",
        "triage/hazards.py",
        "unmask/__init__.py",
        "unmask/letters.py",
        "unmask/layers.py",
        "triage/model.py",
        "drafting/grounding.py",
    ],
)
def test_core_modules_import_no_sdk(module: str) -> None:
    tree = ast.parse((BOT / module).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & SDKS, f"{module} imports {imported & SDKS}"


def test_mention_key_is_network_and_id() -> None:
    assert Mention(id="1", text="hi", network="x").key == ("x", "1")


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.NEW, Status.DRAFTED),
        (Status.DRAFTED, Status.APPROVED),
        (Status.APPROVED, Status.POSTED),
        (Status.APPROVED, Status.POST_FAILED),
        (Status.POST_FAILED, Status.APPROVED),
        (Status.DRAFTED, Status.ESCALATED),
        (Status.ESCALATED, Status.DRAFTED),
    ],
)
def test_allowed_transitions(current: Status, target: Status) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.POSTED, Status.APPROVED),
        (Status.POSTED, Status.DRAFTED),
        (Status.NEW, Status.POSTED),
        (Status.DRAFTED, Status.POSTED),
        (Status.REJECTED, Status.APPROVED),
    ],
)
def test_illegal_transitions_raise(current: Status, target: Status) -> None:
    with pytest.raises(IllegalTransition):
        transition(current, target)


def test_priority_rank_orders_most_pressing_first() -> None:
    assert sorted(Priority, key=lambda p: p.rank)[0] is Priority.URGENT
