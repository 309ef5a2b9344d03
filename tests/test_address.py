"""Policy sentences said to the reader, and only where that cannot change what they mean.

Examples are written for these tests, none taken from a knowledge base fixture.
"""

from pathlib import Path

import pytest

from bot.drafting.address import Address, AddressError

RULES = Path(__file__).resolve().parent.parent / "prompts" / "address.toml"


@pytest.fixture(scope="module")
def address() -> Address:
    return Address.load(RULES)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (
            "Customers may cancel a lesson up to 24 hours ahead.",
            "You may cancel a lesson up to 24 hours ahead.",
        ),
        ("Subscribers get the first box at half price.", "You get the first box at half price."),
        ("Our guests are welcome from noon.", "You are welcome from noon."),
        ("The cardholder must sign the slip.", "You must sign the slip."),
        # What the people own becomes the reader's.
        ("Members can freeze their plan twice a year.", "You can freeze your plan twice a year."),
        # A clause that opens with the people.
        ("If passengers arrive late, the desk closes.", "If you arrive late, the desk closes."),
        # "The people who …" opens a condition.
        (
            "Tenants who lose a key pay for a new lock.",
            "If you lose a key, you pay for a new lock.",
        ),
    ],
)
def test_a_sentence_about_customers_is_said_to_the_reader(
    address: Address, written: str, said: str
) -> None:
    assert address.to_reader(written) == said


@pytest.mark.parametrize(
    "written",
    [
        # Qualified people: only some readers are meant.
        "Only Gold members can book a court a week ahead.",
        "Members under 16 need a parent's signature.",
        "Customers in Norway pay import duty.",
        # "They" may be the items, not the reader.
        "Customers can return shoes if they are unworn.",
        # A singular with a plain verb would need a new verb form ("the customer pays").
        "The customer pays the return postage.",
        # A possessive, or a relative the rule does not know.
        "Customers' parcels leave the warehouse daily.",
        "Customers whose card expires get a reminder.",
        # Already said to the reader.
        "You can pause your plan in the app.",
    ],
)
def test_a_sentence_that_cannot_be_said_safely_is_quoted_unchanged(
    address: Address, written: str
) -> None:
    assert address.to_reader(written) == written


def test_what_stands_before_the_people_is_not_theirs(address: Address) -> None:
    written = "Bikes keep their warranty after a repair. Riders can book one online."
    assert address.to_reader(written) == (
        "Bikes keep their warranty after a repair. You can book one online."
    )


def test_without_rules_every_sentence_is_quoted_unchanged(tmp_path: Path) -> None:
    address = Address.load(tmp_path / "missing.toml")
    assert address.to_reader("Customers may cancel anytime.") == "Customers may cancel anytime."


def test_a_malformed_rules_file_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "address.toml"
    bad.write_text('[en]\nyou = "you"\n', encoding="utf-8")
    with pytest.raises(AddressError, match=r"address\.toml"):
        Address.load(bad)
