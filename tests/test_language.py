"""Language detection: casual mentions in the seven served languages come out right, other
common languages are named as themselves, and text with no language gets the fallback. Every
example is written for these tests."""

import pytest

from bot import language
from bot.language import OTHER_LANGUAGES, SUPPORTED, LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


# Ten casual mentions per language, typos and handles included; the last two of each are short.
SENTENCES = {
    "en": [
        "@ampwell my charger died after 2 days, not happy at all",
        "hey @ampwell where is my order?? been waiting a week",
        "Honestly the best powerbank I've ever owned, thx @ampwell",
        "@ampwell can i return it if the box is allready opened",
        "why is the app not working since the update smh",
        "@ampwell how long does shipping to ireland usually take",
        "thanks so much for the quick help yesterday!",
        "my order arrived broken, what should I do now",
        "love it so much",
        "does it work with my phone?",
    ],
    "nl": [
        "@ampwell mijn lader is na twee dagen al kapot, echt balen",
        "hoi @ampwell waar blijft mijn bestelling? wacht al een week",
        "Echt de beste powerbank die ik ooit heb gehad, bedankt @ampwell",
        "@ampwell kan ik hem nog terugsturen als de doos al open is",
        "waarom doet de app het niet meer sinds de update",
        "@ampwell hoe lang duurt de verzending naar belgie ongeveer",
        "super bedankt voor de snelle hulp gisteren!",
        "pakket kwam beschadigd aan, wat moet ik nu doen",
        "top product, aanrader",
        "werkt dit ook met mijn telefoon?",
    ],
    "de": [
        "@ampwell mein ladegerät ist nach zwei tagen schon kaputt, echt ärgerlich",
        "hallo @ampwell wo bleibt meine bestellung? warte schon seit einer woche",
        "Ehrlich die beste Powerbank die ich je hatte, danke @ampwell",
        "@ampwell kann ich es noch zurückschicken wenn der karton schon offen ist",
        "warum funktioniert die app seit dem update nicht mehr",
        "@ampwell wie lange dauert der versand nach österreich normalerweise",
        "vielen dank für die schnelle hilfe gestern!",
        "paket kam beschädigt an, was soll ich jetzt machen",
        "super teil, gerne wieder",
        "geht das auch mit meinem handy?",
    ],
    "fr": [
        "@ampwell mon chargeur est déjà mort après deux jours, trop déçu",
        "salut @ampwell elle est où ma commande? j'attends depuis une semaine",
        "franchement la meilleure batterie que j'ai jamais eu, merci @ampwell",
        "@ampwell est ce que je peux le renvoyer si la boite est deja ouverte",
        "pourquoi l'appli marche plus depuis la mise a jour",
        "@ampwell combien de temps prend la livraison en belgique en general",
        "merci beaucoup pour l'aide rapide hier !",
        "colis arrivé abîmé, je fais quoi maintenant",
        "trop bien, je recommande",
        "ça marche avec mon téléphone ?",
    ],
    "es": [
        "@ampwell mi cargador ya no funciona despues de dos dias, que decepcion",
        "hola @ampwell donde esta mi pedido? llevo una semana esperando",
        "la verdad la mejor bateria que he tenido, gracias @ampwell",
        "@ampwell puedo devolverlo si ya abri la caja",
        "por que la app no funciona desde la actualizacion",
        "@ampwell cuanto tarda normalmente el envio a españa",
        "muchas gracias por la ayuda tan rapida ayer!",
        "el paquete llegó roto, que hago ahora",
        "me encanta, lo recomiendo",
        "funciona con mi móvil?",
    ],
    "pt": [
        "@ampwell meu carregador parou de funcionar depois de dois dias, que raiva",
        "oi @ampwell cadê o meu pedido? to esperando faz uma semana",
        "sinceramente a melhor bateria que já tive, obrigado @ampwell",
        "@ampwell posso devolver se a caixa ja foi aberta",
        "por que o aplicativo não funciona desde a atualização",
        "@ampwell quanto tempo demora a entrega para portugal normalmente",
        "muito obrigada pela ajuda rápida ontem!",
        "a encomenda chegou danificada, o que eu faço agora",
        "adorei, recomendo muito",
        "funciona com o meu celular?",
    ],
    "it": [
        "@ampwell il mio caricatore è già morto dopo due giorni, che delusione",
        "ciao @ampwell dov'è il mio ordine? aspetto da una settimana",
        "sinceramente la migliore powerbank che abbia mai avuto, grazie @ampwell",
        "@ampwell posso restituirlo se la scatola è gia stata aperta",
        "perché l'app non funziona più dopo l'aggiornamento",
        "@ampwell quanto ci mette di solito la spedizione in italia",
        "grazie mille per l'aiuto veloce di ieri!",
        "il pacco è arrivato rotto, cosa faccio adesso",
        "bellissimo, lo consiglio",
        "funziona anche con il mio telefono?",
    ],
}


@pytest.mark.parametrize("lang", SUPPORTED)
def test_casual_mentions_are_detected_in_their_language(
    detector: LanguageDetector, lang: str
) -> None:
    texts = SENTENCES[lang]
    assert len(texts) >= 8
    misses = [text for text in texts if detector.detect(text) != lang]
    # A short text (under 25 characters) says little: one of those may miss, nothing else.
    assert len(misses) <= 1 and all(len(text) < 25 for text in misses), misses


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@ampwell min laddare slutade fungera efter två dagar, vad gör jag nu?", "sv"),
        ("@ampwell min oplader gik i stykker efter to dage, hvad gør jeg nu?", "da"),
        ("@ampwell moja ładowarka przestała działać po dwóch dniach, co teraz?", "pl"),
        ("@ampwell şarj aletim iki gün sonra bozuldu, ne yapmalıyım?", "tr"),
        ("@ampwell încărcătorul meu s-a stricat după două zile, ce fac acum?", "ro"),
    ],
)
def test_another_common_language_is_named_not_forced_into_a_served_one(
    detector: LanguageDetector, text: str, lang: str
) -> None:
    assert detector.detect(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ok",
        "😍😍😍🔥",
        "https://t.co/xYz123AbC",
        "@ampwell",
        "@ampwell @someone_else 👍",
        "#fail",
        "lol",
        "123 456 789",
        "Volta 600!!",
        "👍 @ampwell https://ampwell.example/volta",
    ],
)
def test_text_without_enough_language_gets_the_fallback(
    detector: LanguageDetector, text: str
) -> None:
    assert detector.detect(text) == "en"


def test_the_fallback_is_the_callers_choice() -> None:
    nl_first = LanguageDetector(languages=("nl", "en"), fallback="nl")
    assert nl_first.detect("ok 👍") == "nl"
    assert nl_first.detect("thanks so much for the quick help yesterday!") == "en"


def test_handles_links_hashtag_signs_and_emoji_are_not_language(detector: LanguageDetector) -> None:
    # Dutch handles and a Dutch link around an English sentence.
    text = (
        "@mijnbestelling @bedanktvoordehulp my order never arrived, can you check please? 😡 "
        "https://winkel.example.nl/bestelling/waarom-niet-bezorgd #fail"
    )
    assert detector.detect(text) == "en"
    assert language._language_part("#fail @brand so sad 😢 https://x.co/a") == "fail so sad"


def test_a_hashtag_word_still_counts_as_language(detector: LanguageDetector) -> None:
    assert detector.detect("#vielen #dank für die schnelle hilfe") == "de"


def test_the_detector_knows_the_given_languages_and_the_common_others() -> None:
    detector = LanguageDetector(languages=("en", "nl"))
    assert detector.detect("@ampwell mijn lader is na twee dagen al kapot") == "nl"
    assert detector.detect("@ampwell min laddare slutade fungera efter två dagar") == "sv"
    assert set(OTHER_LANGUAGES).isdisjoint(SUPPORTED)


def test_an_unknown_language_code_fails_with_its_name() -> None:
    with pytest.raises(ValueError, match="'xx'"):
        LanguageDetector(languages=("en", "xx"))


def test_importing_the_module_builds_no_detector() -> None:
    assert not any(isinstance(value, LanguageDetector) for value in vars(language).values())


@pytest.mark.parametrize(
    "text",
    [
        "do you have a branch in Groningen?",
        "do you deliver to Maastricht on a Sunday?",
        "can we park at the Leidseplein entrance?",
    ],
)
def test_function_words_outweigh_a_place_name_in_a_short_question(
    detector: LanguageDetector, text: str
) -> None:
    # Letter statistics alone take a short English question with a Dutch place name for Dutch;
    # "do", "you", "we", "the" say which language the question is asked in.
    assert detector.detect(text) == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("is het mogelijk om de afspraak te verzetten naar Londen?", "nl"),
        ("kann ich den Termin in London verschieben?", "de"),
    ],
)
def test_function_words_keep_a_question_that_names_a_foreign_place_in_its_language(
    detector: LanguageDetector, text: str, lang: str
) -> None:
    assert detector.detect(text) == lang
