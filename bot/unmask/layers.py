"""Passages written in rot13 or backwards, found by how much more like prose they read decoded."""

from __future__ import annotations

import itertools
import math
import operator
import re
from functools import lru_cache

# --- rot13 and reversed text ----------------------------------------------------------------

# The ~200 most frequent English words and the commonest function words of the other languages
# served. They are the measure of "reads like language": a passage that has none of them but
# whose rot13 or reversal has them was written to hide, and their letter pairs are the model.
_COMMON_BY_LANGUAGE = {
    "en": """
        the be to of and a in that have i it for not on with he as you do at this but his by from
        they we say her she or an will my one all would there their what so up out if about who
        get which go me when make can like time no just him know take people into year your good
        some could them see other than then now look only come its over think also back after use
        two how our work first well way even new want because any these give day most us is are
        was were been has had did said made find here thing many very more those tell why ask need
        feel try leave call keep let put mean seem help show hear play run move live believe hold
        bring happen write sit stand lose pay meet include continue set learn change lead
        understand watch follow stop create speak read allow add spend grow open walk win offer
        remember love consider appear buy wait serve send expect build stay fall cut reach remain
        please thanks thank hello hey still where should before never always something every great
        much off again same last long little own right big high old few next each while through
        down being such am nothing home order today really sure money got going doing yes yet told
    """,
    "nl": """
        de het een en van ik je dat niet is op te zijn voor met die maar wat er ook als bij nog dan
        naar al hebben heb mijn jullie kan wel geen om uit
    """,
    "de": """
        der die das und ist ich nicht sie es ein eine zu den mit sich auf für von dem des auch wie
        wir ihr mein kann aber noch bei nach habe
    """,
    "fr": """
        le la les de des et est un une je pas que qui dans pour en sur avec ce il elle nous vous
        mon ma mes ne plus mais tout très merci
    """,
    "es": """
        el la los las de y que en un una es no por con para se del lo mi su al pero como más muy
        gracias este esta hola
    """,
    "pt": """
        o a os as de do da dos das e que em um uma não para com por se mais no na meu minha muito
        obrigado está isso
    """,
    "it": """
        il lo la gli le di che e è un una non per con in del della mi ma come sono molto grazie
        questo ho
    """,
}
_COMMON_WORDS = frozenset(w for words in _COMMON_BY_LANGUAGE.values() for w in words.split())

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ROT13 = str.maketrans(_ALPHABET, _ALPHABET[13:] + _ALPHABET[:13])


def _bigram_bits() -> dict[str, float]:
    """Return log2 P(next letter | letter) learned from the common words, word edges included.

    Seven languages' common words are enough to tell which way letters run ("th", not "ht"; a
    word ends in "e" far more often than it starts with one) and which letters are frequent, so
    both a rot13 passage and a reversed one score far below what they decode to.
    """
    pairs: dict[str, int] = {}
    firsts: dict[str, int] = {}
    for word in _COMMON_WORDS:
        for a, b in itertools.pairwise(f"^{word}$"):
            pairs[a + b] = pairs.get(a + b, 0) + 1
            firsts[a] = firsts.get(a, 0) + 1
    # Add-two smoothing: the list is small, so a pair seen in a word or two ("out") is a hint,
    # not proof, and an unseen one is rare rather than impossible (27 possible next symbols).
    return {
        a + b: math.log2((pairs.get(a + b, 0) + 2) / (firsts.get(a, 0) + 2 * 27))
        for a in "^" + _ALPHABET
        for b in _ALPHABET + "$"
    }


_BIGRAM_BITS = _bigram_bits()
_COMMON_BONUS = 6.0  # bits: decoding into a common word is worth as much as a few letter pairs
# Thresholds in bits, set on ~1,700 ordinary texts in the seven languages (sample mentions,
# knowledge bases, README, the language tests) and 20 more Romance-language sentences: no run of
# their words gains more than 13 bits by rot13 (9 in mentions); reversed, a whole text gains at
# most ~10 bits and 0.27 a letter, a run inside one up to 15. So a reversed passage must start
# with its full stop, or be the whole text and gain clearly. Short instructions in the seven
# languages gain 17 or more by rot13; reversed, 9 or more and 0.24 a letter or more.
_ROT13_MIN_GAIN = 16.0
_REVERSED_CUED_MIN_GAIN = 6.0  # when a full stop leads the run, as in ".snoitcurtsni"
_REVERSED_MIN_GAIN = 10.0
_REVERSED_MIN_PER_LETTER = 0.45
_MIN_LETTERS = 12

# Links and handles are no prose to decode; nor are long blobs (base64 read as letters).
_NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|@\w+")
_NOT_PROSE_OR_BLOB = re.compile(r"(?:https?://|www\.)\S+|@\w+|[a-z0-9+/_-]{16,}=*")
_LETTERS = re.compile(r"[a-z]{2,}")


def _hidden_layers(plain: str, found: set[str], blobs: bool) -> list[str]:
    """Return rot13 or reversed passages of `plain` that read better decoded than as written."""
    if blobs:
        plain_prose = _NOT_PROSE_OR_BLOB.sub(_blank, plain)
    elif "@" in plain or "http" in plain or "www." in plain:
        plain_prose = _NOT_PROSE.sub(_blank, plain)
    else:
        plain_prose = plain
    words = _LETTERS.findall(plain_prose)
    if len(words) < 2:
        return []
    rot_gains, back_gains = zip(*map(_gains, words), strict=True)
    rot = back = None
    if _may_reach(rot_gains, _ROT13_MIN_GAIN):
        rot = _best_run(plain_prose, rot_gains, _ROT13_MIN_GAIN)
    if _may_reach(back_gains, _REVERSED_CUED_MIN_GAIN):
        back = _best_run(plain_prose, back_gains, _REVERSED_CUED_MIN_GAIN)
        if back:
            start = back[0]
            # Reversed, a sentence's full stop comes first: ".snoitcurtsni suoiverp erongi".
            if plain[start - 1 : start] in ".!?" and plain[start - 2 : start - 1] in ("", " "):
                back = (start - 1, back[1], back[2])
            elif not _reads_backwards(words, back_gains):
                back = None
    if rot and back and rot[0] < back[1] and back[0] < rot[1]:
        # One passage, two readings (the rot13 of a reversed text gains too): the better wins.
        rot, back = (rot, None) if rot[2] > back[2] else (None, back)
    layers = []
    if rot:
        found.add("rot13")
        layers.append(plain[rot[0] : rot[1]].translate(_ROT13))
    if back:
        found.add("reversed")
        layers.append(plain[back[0] : back[1]][::-1])
    return layers


def _reads_backwards(words: list[str], gains: tuple[float, ...]) -> bool:
    """Return whether a whole text without a leading full stop reads clearly better reversed.

    Its gain must be large in all and per letter: Italian or Spanish words ending in vowels
    ("la pizza era buona") reverse into passable letter pairs, but only weakly per letter.
    """
    total = sum(gains)
    return total >= _REVERSED_MIN_GAIN and total >= _REVERSED_MIN_PER_LETTER * sum(map(len, words))


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _may_reach(gains: tuple[float, ...], threshold: float) -> bool:
    """Return whether any run of words, or the whole text, could gain `threshold` bits.

    The best run gains max(prefix[j] - min(prefix[:j])): two `accumulate`s find it in C, so
    the exact scan of `_best_run` runs only for the rare text that comes close.
    """
    prefix = list(itertools.accumulate(gains, initial=0.0))
    lows = itertools.accumulate(prefix, min)
    return max(map(operator.sub, prefix[1:], lows)) >= threshold or prefix[-1] >= threshold


def _best_run(
    prose: str, gains: tuple[float, ...], threshold: float
) -> tuple[int, int, float] | None:
    """Return the span and gain of the words to decode, if they gain `threshold` bits or more.

    A text disguised whole is decoded whole, though a few of its words decode badly ("ignora"
    reads no better in rot13). Otherwise Kadane's maximum-subarray scan finds the run of two or
    more words that gains most: a disguised passage inside an ordinary sentence.
    """
    best, first, last = sum(gains), 0, len(gains) - 1
    if best < threshold:
        total, start = 0.0, 0
        for i, gain in enumerate(gains):
            if total <= 0:
                total, start = 0.0, i
            total += gain
            if total > best and i > start:
                best, first, last = total, start, i
    tokens = list(_LETTERS.finditer(prose))[first : last + 1]
    if best < threshold or len(tokens) < 2 or sum(len(t.group()) for t in tokens) < _MIN_LETTERS:
        return None
    return tokens[0].start(), tokens[-1].end(), best


@lru_cache(maxsize=65_536)  # mentions reuse a small vocabulary: most words are scored once
def _gains(word: str) -> tuple[float, float]:
    """Return how many bits `word` gains by rot13 and by reversal."""
    rot, back = word.translate(_ROT13), word[::-1]
    score = _bigram_score(word)
    rot_gain = _bigram_score(rot) - score
    back_gain = _bigram_score(back) - score
    # Short words turn into one another too easily: "on"/"no", "be"/"or" by rot13, and by
    # reversal "now"/"won", or Italian "tuo" into English "out".
    common = word in _COMMON_WORDS
    if len(word) >= 3:
        rot_gain += _COMMON_BONUS * ((rot in _COMMON_WORDS) - common)
    if len(word) >= 4:
        back_gain += _COMMON_BONUS * ((back in _COMMON_WORDS) - common)
    return rot_gain, back_gain


def _bigram_score(word: str) -> float:
    padded = f"^{word}$"
    return sum(_BIGRAM_BITS[padded[i : i + 2]] for i in range(len(padded) - 1))
