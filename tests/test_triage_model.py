"""The learned triage model: trained only on the project's posts, reproducible, and only ever
moving a mention towards more care."""

import subprocess
import sys

import pytest

from bot.domain import Intent
from bot.knowledge.embeddings import WordLlamaEmbedder
from bot.triage.model import INTENTS, SENTIMENTS, IntentModel, ModelError, Reading
from bot.triage.triager import _Trouble, _with_model
from tests.conftest import ROOT


def reading(**intent: float) -> Reading:
    probs = dict.fromkeys(INTENTS, 0.0) | intent
    return Reading(probs, dict.fromkeys(SENTIMENTS, 1 / 3))


def test_the_shipped_weights_are_what_the_training_data_gives() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_triage_model.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_model_trained_on_other_vectors_is_refused() -> None:
    class OtherEmbedder(WordLlamaEmbedder):
        @property
        def name(self) -> str:
            return "some-other-embedder"

    with pytest.raises(ModelError, match="some-other-embedder"):
        IntentModel(OtherEmbedder())


@pytest.mark.parametrize(
    ("rules", "probs", "expected"),
    [
        (Intent.OTHER, {"complaint": 0.9}, Intent.COMPLAINT),
        (Intent.OTHER, {"complaint": 0.1, "other": 0.9}, Intent.OTHER),
        (Intent.QUESTION, {"complaint": 0.95}, Intent.COMPLAINT),
        (Intent.QUESTION, {"complaint": 0.45, "question": 0.55}, Intent.QUESTION),
        (Intent.PRAISE, {"complaint": 0.97}, Intent.COMPLAINT),
        (Intent.PRAISE, {"complaint": 0.8}, Intent.PRAISE),
        (Intent.OTHER, {"abuse": 0.9}, Intent.ABUSE),
        # Never towards a cheerful reply, and never away from what the rules found.
        (Intent.OTHER, {"praise": 0.99}, Intent.OTHER),
        (Intent.COMPLAINT, {"praise": 0.99}, Intent.COMPLAINT),
        (Intent.ABUSE, {"praise": 0.99}, Intent.ABUSE),
        (Intent.QUESTION, {"other": 0.99}, Intent.QUESTION),
    ],
)
def test_the_model_only_moves_towards_more_care(rules, probs, expected) -> None:
    assert (
        _with_model(rules, reading(**probs), praise_cue=False, troubled=_Trouble.SIGN)[0]
        is expected
    )


def test_an_unplaced_post_with_no_sign_of_a_problem_is_no_complaint() -> None:
    # Whatever the model makes of it, "happy Monday all" tells nothing that went wrong.
    calm = reading(complaint=0.9)
    assert _with_model(Intent.OTHER, calm, praise_cue=False, troubled=_Trouble.NONE)[0] is (
        Intent.OTHER
    )


def test_a_problem_story_needs_less_of_the_models_confidence() -> None:
    # Waiting, being told, the service desk: the stuff of a complaint even when the model hedges.
    hedged = reading(complaint=0.2, other=0.8)
    assert _with_model(Intent.OTHER, hedged, False, _Trouble.SIGN)[0] is Intent.OTHER
    assert _with_model(Intent.OTHER, hedged, False, _Trouble.STORY)[0] is Intent.COMPLAINT


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel(WordLlamaEmbedder())


@pytest.mark.parametrize(
    "text",
    [
        "@railco the 8:12 sat outside the station for 40 minutes and the driver said nothing",
        "@shopco ordered the blue one, the box had a green one in it",
        "@netco third evening in a row the connection drops at nine",
    ],
)
def test_a_plain_problem_report_reads_as_a_complaint(model: IntentModel, text: str) -> None:
    got = model.read([text])[0]
    assert max(got.intent, key=got.intent.get) == "complaint"
    assert got.polarity < 0


@pytest.mark.parametrize(
    "text",
    [
        "@railco do you sell a monthly pass for students?",
        "@shopco can I pick up my order in a store instead of delivery?",
    ],
)
def test_a_plain_question_does_not_read_as_a_complaint(model: IntentModel, text: str) -> None:
    assert model.read([text])[0].intent["complaint"] < 0.5
