"""Triage: what a mention is, how urgent, and whether it gets a reply (see `triager`)."""

from bot.triage.brand import BrandIdentity
from bot.triage.hazards import HazardLexicon
from bot.triage.triager import RuleTriager

__all__ = ["BrandIdentity", "HazardLexicon", "RuleTriager"]
