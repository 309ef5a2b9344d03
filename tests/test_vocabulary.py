"""Is a mention about the brand at all? Vocabulary from the brand's own knowledge base.

Examples are written for these tests: an invented maker of tents and camping stoves.
"""

from pathlib import Path

import pytest

from bot.domain import Flag, Intent, Mention
from bot.knowledge.glossary import Glossary, GlossaryError
from bot.rules import load_rules
from bot.triage import RuleTriager
from bot.triage.vocabulary import BrandVocabulary

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "prompts" / "triage_rules.toml"
KB = [
    "# Stoves\nThe Embr stove boils a litre of water in four minutes. Never use it in the tent.",
    "# Tents\nThe Ridge 2 tent sleeps two and weighs 2.1 kg. Spare pegs cost €6.",
    "# Orders\nOrders ship within two working days. Refunds arrive within 14 days.",
]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(ROOT / "prompts" / "glossary.toml")


@pytest.fixture(scope="module")
def triager(glossary: Glossary) -> RuleTriager:
    vocabulary = BrandVocabulary.from_texts(
        KB, glossary.service_words(), glossary.expansions, "en", glossary.calendar
    )
    return RuleTriager(load_rules(RULES), vocabulary=vocabulary)


def assess(triager: RuleTriager, text: str):
    return triager.assess(Mention(id="v", text=text, author="someone", followers=40))


def test_the_brands_words_make_a_text_about_it(glossary: Glossary) -> None:
    vocabulary = BrandVocabulary.from_texts(
        KB, glossary.service_words(), glossary.expansions, calendar=glossary.calendar
    )
    assert vocabulary.about("does the embr stove fit in a small backpack?")
    assert vocabulary.about("@brand where is my refund")
    assert not vocabulary.about("@brand who is going to the concert tonight?")
    # Tagging the brand is not talking about it; a weekday is no topic either.
    assert not vocabulary.about("@embr see you all on Saturday")


def test_without_a_knowledge_base_nothing_is_off_topic() -> None:
    assert BrandVocabulary.empty().about("who is going to the concert tonight?")


@pytest.mark.parametrize(
    "text",
    [
        "@brand anyone got tips for a campsite near the coast?",
        "@brand weet iemand of de markt morgen doorgaat?",
        "@brand quelqu'un sait si la piscine du quartier rouvre lundi ?",
        "@brand ¿alguien sabe a qué hora empieza la carrera?",
    ],
)
def test_a_question_to_the_crowd_about_nothing_of_the_brands_is_held(
    triager: RuleTriager, text: str
) -> None:
    t = assess(triager, text)
    assert t.intent is Intent.OTHER and not t.should_reply
    assert "question to the others" in t.rationale  # the card says why no reply is suggested


def test_a_question_to_the_crowd_about_the_brands_product_is_a_question(
    triager: RuleTriager,
) -> None:
    t = assess(triager, "@brand does anyone know if the ridge 2 tent takes spare pegs?")
    assert t.intent is Intent.QUESTION and t.should_reply


def test_a_joke_with_a_fire_word_about_something_else_is_no_incident(
    triager: RuleTriager,
) -> None:
    t = assess(triager, "@brand the curry at the wedding was so spicy my mouth was on fire 😂")
    assert Flag.SAFETY not in t.flags


def test_a_fire_on_the_brands_product_stays_an_incident_even_with_a_laugh(
    triager: RuleTriager,
) -> None:
    t = assess(triager, "@brand my embr stove caught fire next to the tent 😅 what now")
    assert Flag.SAFETY in t.flags


def test_low_spirits_said_to_no_one_about_nothing_of_the_brands_are_not_a_complaint(
    triager: RuleTriager,
) -> None:
    t = assess(triager, "@brand so tired of this grey weather. sigh.")
    assert t.intent is not Intent.COMPLAINT and not t.should_reply


def test_a_problem_with_the_brands_product_is_still_a_complaint(triager: RuleTriager) -> None:
    t = assess(triager, "@brand the ridge 2 tent pole snapped on the first night, awful")
    assert t.intent is Intent.COMPLAINT


def test_praise_said_to_no_one_of_things_the_brand_never_names_is_not_thanked(
    triager: RuleTriager,
) -> None:
    t = assess(triager, "@brand the fireworks over the bay last night were amazing 🎆")
    assert t.intent is Intent.OTHER and not t.should_reply
    assert "not the brand's" in t.rationale


@pytest.mark.parametrize(
    "text",
    [
        "@brand the embr stove is amazing, boiled water in no time",
        "@brand thanks for the quick refund, amazing",
        "@brand you are amazing",
        "@brand amazing 😍",
    ],
)
def test_praise_of_the_brand_said_to_it_or_of_its_things_is_thanked(
    triager: RuleTriager, text: str
) -> None:
    assert assess(triager, text).intent is Intent.PRAISE


# --- The glossary's words per language --------------------------------------------------------


def test_a_language_entry_finds_the_forms_customers_write(glossary: Glossary) -> None:
    # Plural, conjugated, and written without its accents.
    assert "shipping cost" in glossary.expansions("combien coûtent les frais de port ?")
    assert any("shipping" in e for e in glossary.expansions("cuanto tarda el envio a Lisboa"))
    assert any("refund" in e for e in glossary.expansions("quando arriva il rimborso?"))


def test_a_word_of_another_language_does_not_match_by_its_stem(glossary: Glossary) -> None:
    # English "can" shares its stem with Italian "cane" (dog); "del" is no French "délai".
    assert not any("dog" in e for e in glossary.expansions("how far can it go on one tank"))
    assert not any("within" in e for e in glossary.expansions("il numero del negozio"))


def test_a_language_section_for_an_unknown_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('[words.xx]\n"foo" = "bar"\n', encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"no stemmer for 'xx'"):
        Glossary.load(path)


def test_a_language_entry_of_too_many_words_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('[words.fr]\n"un deux trois quatre" = "four"\n', encoding="utf-8")
    with pytest.raises(GlossaryError, match="one to 3 words"):
        Glossary.load(path)
