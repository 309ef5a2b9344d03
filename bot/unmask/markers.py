"""The chat and markup structure an injection borrows (tokens, roles, fences, tags)."""

from __future__ import annotations

import re
from collections.abc import Iterator

# --- markers --------------------------------------------------------------------------------

_ROLES = (
    r"system|user|assistant|human|ai|bot|developer|dev|admin|administrator|operator|"
    r"systeem|gebruiker|assistent|beheerder|ontwikkelaar|"  # Dutch
    r"benutzer|nutzer|entwickler|mensch|"  # German
    r"syst[eè]me|utilisateur|d[eé]veloppeur|administrateur|humain|ia|"  # French
    r"sistema|usuario|usu[aá]rio|asistente|assistente|desarrollador|desenvolvedor|"  # es, pt
    r"administrador|humano|utente|sviluppatore|amministratore|umano"  # es, pt, it
)
# Read backwards from a colon: a role word at the start of the text, a line or a sentence, or
# right after the @handles a reply starts with ("@brand System: …").
_ROLE_BEFORE_COLON = re.compile(
    rf"(?:^|[\n.!?]|@\w+)[ \t\"'*_>(\[-]*\b(?:{_ROLES})[ \t\])*_]*\Z", re.IGNORECASE
)
_ROLE_IN_BRACKETS = re.compile(rf"\[[ \t]*(?:{_ROLES})\b[^\]\n]{{0,20}}\]", re.IGNORECASE)
_CHAT_TOKEN = re.compile(
    r"<\|[^|<>\s]{1,40}\|>|<</?SYS>>|</?s>|<(?:start|end)_of_turn>|\[/?INST\]", re.IGNORECASE
)
_HEADING_TOKEN = re.compile(
    r"^[ \t>]*#{2,4}[ \t]*(?:[a-z]+[ \t]+)?"
    r"(?:instruction|response|system|input|output|human|assistant|prompt|rule)s?\b",
    re.IGNORECASE | re.MULTILINE,
)
_JSON_ROLE = re.compile(
    r"[\"'“”‘’]role[\"'“”‘’]\s*:\s*[\"'“”‘’](?:system|assistant|developer|user|tool|function)\b",
    re.IGNORECASE,
)
_MARKUP_TAG = re.compile(
    r"<\s*/?\s*(?:system|user|assistant|human|ai|bot|developer|admin|administrator|"
    r"instructions?|context|prompt|system_prompt|tools?|rules|polic(?:y|ies)|documents?|"
    r"messages?|input|output|memory|secret|hidden|im_start|im_end)\b[^<>\n]{0,60}>",
    re.IGNORECASE,
)
_DELIMITER_RUN = re.compile(r"([=\-#%_~+|/\\<>─━═])\1{4,}")
_BEGIN_END = re.compile(
    r"\b(?:BEGIN|END)(?:[ _]OF)?[ _](?:SYSTEM|PROMPT|INSTRUCTIONS?|CONTEXT|USER|INPUT|OUTPUT|"
    r"DOCUMENTS?|MESSAGES?|DATA|ADMIN|RULES|TEXT|SECRET|CONFIG|OVERRIDE|CHAT)\b"
)


def _markers(text: str) -> Iterator[str]:
    """Yield the names of the chat or markup structures found in `text`."""
    # Each check first asks for a character its structure cannot do without: most mentions
    # have none of them, and a substring test costs far less than a regular expression.
    if (("<" in text or "[" in text) and _CHAT_TOKEN.search(text)) or (
        "##" in text and _HEADING_TOKEN.search(text)
    ):
        yield "chat_token"
    if _has_role_label(text):
        yield "role_label"
    if "```" in text or "~~~" in text:
        yield "code_fence"
    if ":" in text and _JSON_ROLE.search(text):
        yield "json_role"
    if "<" in text and _MARKUP_TAG.search(text):
        yield "markup_tag"
    if _DELIMITER_RUN.search(text) or (
        ("BEGIN" in text or "END" in text) and _BEGIN_END.search(text)
    ):
        yield "delimiter_wall"


def _has_role_label(text: str) -> bool:
    if "[" in text and _ROLE_IN_BRACKETS.search(text):
        return True
    colon = text.find(":")
    while colon >= 0:
        # A colon of "https://" or "10:30" has no role word before it: the regex says so fast.
        if text[colon + 1 : colon + 3] != "//" and _ROLE_BEFORE_COLON.search(
            text, max(0, colon - 48), colon
        ):
            return True
        colon = text.find(":", colon + 1)
    return False
