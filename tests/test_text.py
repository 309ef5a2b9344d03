from bot.text import deobfuscate, escape_mrkdwn, numbers, personal_data, sentences, stems, words


def test_numbers_ignore_thousands_separators_and_decimal_commas() -> None:
    assert numbers("3,000 cycles for €4.95 or 4,95 euro, 10.0 kg") == {"3000", "4.95", "10"}


def test_sentences_turn_tables_and_lists_into_sentences() -> None:
    text = (
        "## Costs\n| Country | Shipping cost |\n|---|---|\n| Belgium | €4.95 |\n\n"
        "Delivery after dispatch:\n- Netherlands: next working day\n**Note:** it is free."
    )
    assert sentences(text) == [
        "Belgium: shipping cost €4.95.",
        "Delivery after dispatch — Netherlands: next working day",
        "Note: it is free.",
    ]


def test_personal_data_finds_emails_and_phone_numbers() -> None:
    found = personal_data("mail me at jan@example.com or call +44 7700 900123 about order 12")
    assert "jan@example.com" in found
    assert any("7700 900123" in item for item in found)
    assert personal_data("my order 12345 from 2024") == []


def test_escape_mrkdwn_neutralises_mentions_and_links() -> None:
    assert escape_mrkdwn("<!channel> & <@U123|x>") == "&lt;!channel&gt; &amp; &lt;@U123|x&gt;"


def test_deobfuscate_undoes_spacing_leetspeak_and_zero_width() -> None:
    assert "ignore" in deobfuscate("i g n o r e")
    assert "ignore" in deobfuscate("1gn0re")
    assert "ignore" in deobfuscate("ig\u200bnore")


def test_a_hyphenated_word_with_a_short_part_matches_its_closed_spelling() -> None:
    assert words("Wi-Fi and e-mail") == words("wifi and email") == ["wifi", "and", "email"]
    # Longer compounds keep their hyphen: "open-circuit" is not written "opencircuit".
    assert words("open-circuit voltage") == ["open-circuit", "voltage"]


def test_irregular_past_forms_stem_like_their_verb() -> None:
    assert stems(["kept", "paid", "sent"]) == stems(["keep", "pay", "send"])


def test_a_table_row_is_followed_by_one_sentence_per_cell_when_asked() -> None:
    text = "| Kayak | Length | Weight |\n|---|---|---|\n| Tarn 1 | 3.2 m | 19 kg |\n"
    assert sentences(text) == ["Tarn 1: length 3.2 m, weight 19 kg."]
    assert sentences(text, cells=True) == [
        "Tarn 1: length 3.2 m, weight 19 kg.",
        "Tarn 1: length 3.2 m.",
        "Tarn 1: weight 19 kg.",
    ]
    # A row with one value is its own cell.
    two = "| Zone | Fee |\n|---|---|\n| North | €8 |\n"
    assert sentences(two, cells=True) == ["North: fee €8."]
