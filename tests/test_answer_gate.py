"""The answer gate: a question the drafter is unsure of is held for a person, with the closest
line named for the reviewer; a gate file that does not fit the code is refused clearly."""

from pathlib import Path

import pytest

from bot import container
from bot.domain import Flag, Intent, Mention, Source, SourceKind
from bot.drafting.gate import FEATURES, AnswerGate, features
from bot.drafting.grounding import Evidence
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent

POLICY = """# Deliveries

We deliver to every address in the country within four working days.
Parcels that nobody signs for wait at the nearest pickup point for ten days.
"""


@pytest.fixture
def small_core(tmp_path: Path, embedder):
    kb = tmp_path / "kb"
    (kb / "policies").mkdir(parents=True)
    (kb / "policies" / "deliveries.md").write_text(POLICY, encoding="utf-8")
    settings = load_settings(knowledge_dir=kb, data_dir=tmp_path / "data", brand_name="Pendlow")
    return container.build_core(settings, embedder=embedder)


def _gate(threshold: float) -> AnswerGate:
    n = len(FEATURES)
    return AnswerGate((0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, threshold)


QUESTION = "how long do parcels wait at the pickup point?"


def test_an_answer_the_gate_trusts_is_drafted(small_core) -> None:
    small_core.drafter.gate = _gate(0.0)
    outcome = small_core.pipeline.process(Mention(id="q1", text=QUESTION, author="ines"))
    assert outcome.triage.intent is Intent.QUESTION
    assert outcome.draft is not None and not outcome.draft.holding
    assert "ten days" in outcome.draft.text


def test_an_answer_the_gate_doubts_is_held_for_a_person(small_core) -> None:
    small_core.drafter.gate = _gate(1.0)  # a probability of 0.5 never reaches it
    outcome = small_core.pipeline.process(Mention(id="q2", text=QUESTION, author="ines"))
    assert outcome.draft is not None and outcome.draft.holding
    assert "ten days" not in outcome.draft.text
    assert Flag.OUT_OF_KB in outcome.triage.flags and outcome.triage.escalate
    # The reviewer sees which line came closest, to send it themselves if it does answer.
    assert "ten days" in (outcome.draft.note or "")


def test_the_gate_weighs_the_chosen_line_against_the_rest() -> None:
    source = Source("deliveries", SourceKind.POLICY, "Deliveries", POLICY, 1.0)
    strong = Evidence("a", source, 0.9, 0.8, 0.6, frozenset({"parcel"}), signals=(("source", 1.0),))
    weak = Evidence("b", source, 0.4, 0.2, 0.3, frozenset(), fits=False)
    values = features([strong], [strong, weak], unknown=0.1, answerability=0.7)
    assert set(values) == set(FEATURES)
    assert values["margin"] == pytest.approx(0.5)
    assert values["fits"] == 1.0 and values["source"] == 1.0
    # A model that trusts coverage trusts the line that covers more of the question.
    weights = tuple(1.0 if f == "coverage" else 0.0 for f in FEATURES)
    n = len(FEATURES)
    gate = AnswerGate((0.5,) * n, (0.2,) * n, weights, 0.0, 0.5)
    assert gate.passes(values)
    assert not gate.passes(features([weak], [strong, weak], 0.1, 0.7))


def test_the_shipped_gate_loads_and_matches_the_code() -> None:
    gate = AnswerGate.load(ROOT / "prompts" / "answer_gate.toml")
    assert gate is not None
    assert 0.0 < gate.threshold < 1.0


def test_a_gate_file_for_other_features_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "gate.toml"
    path.write_text(
        'threshold = 0.5\n[model]\nfeatures = ["coverage"]\nmean = [0.0]\nscale = [1.0]\n'
        "weights = [1.0]\nbias = 0.0\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"gate\.toml.*refit"):
        AnswerGate.load(path)
    path.write_text("threshold = ", encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid answer gate"):
        AnswerGate.load(path)
    assert AnswerGate.load(tmp_path / "absent.toml") is None
