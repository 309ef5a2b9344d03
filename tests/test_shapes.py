"""The shapes of a question come from a data file: its words, not the code, decide.

Examples are written for these tests.
"""

from pathlib import Path

import pytest

from bot.drafting.shapes import SHIPPED, QuestionShapes, ShapesError


@pytest.fixture(scope="module")
def shapes() -> QuestionShapes:
    return QuestionShapes.load(SHIPPED)


def test_two_questions_joined_by_and_are_split(shapes: QuestionShapes) -> None:
    text = "@brand how long does the glaze take to dry and can it go in the oven?"
    assert shapes.subquestions(text) == [
        "how long does the glaze take to dry",
        "can it go in the oven?",
    ]


def test_a_statement_that_says_can_t_asks_nothing(shapes: QuestionShapes) -> None:
    assert shapes.asking_part("Can't find my receipt. Where do I see my orders?") == (
        "Where do I see my orders?"
    )


def test_a_sentence_that_goes_on_about_the_question_belongs_to_it(
    shapes: QuestionShapes,
) -> None:
    text = "Does the lid fit the small pot? It is the 18 cm one. Thanks a lot"
    assert shapes.asking_part(text) == "Does the lid fit the small pot? It is the 18 cm one."


def test_a_language_added_to_the_file_is_read_without_code(tmp_path: Path) -> None:
    text = "@brand ile kosztuje dostawa i kiedy przyjdzie paczka?"  # Polish is not shipped
    shipped = QuestionShapes.load(SHIPPED)
    assert shipped.subquestions(text) == [text]
    extended = SHIPPED.read_text(encoding="utf-8")
    extended = extended.replace('joiners = ["and",', 'joiners = ["i", "and",')
    extended = extended.replace("question_words = [\n", 'question_words = [\n  "ile", "kiedy",\n')
    path = tmp_path / "question_shapes.toml"
    path.write_text(extended, encoding="utf-8")
    assert QuestionShapes.load(path).subquestions(text) == [
        "ile kosztuje dostawa",
        "kiedy przyjdzie paczka?",
    ]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("combien coûte la livraison et quand arrive le colis ?", 2),
        ("¿cuánto cuesta el envío y cuándo llega el paquete?", 2),
        ("quanto custa o envio e quando chega a encomenda?", 2),
        ("quanto costa la spedizione e quando arriva il pacco?", 2),
    ],
)
def test_two_questions_are_split_in_the_covered_languages(
    shapes: QuestionShapes, text: str, parts: int
) -> None:
    assert len(shapes.subquestions(text)) == parts


def test_what_an_existence_question_wants_names_the_thing(shapes: QuestionShapes) -> None:
    (wanted,) = shapes.existence("do you have a repair service?")
    assert wanted.search("We have no repair service, sorry.")
    assert not wanted.search("Repairs take two weeks.")


@pytest.mark.parametrize("broken", ["question_words = 3\n", "[existence]\nasks = '('\n"])
def test_a_malformed_file_is_refused_with_its_name(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "question_shapes.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ShapesError, match=r"question_shapes\.toml"):
        QuestionShapes.load(path)
