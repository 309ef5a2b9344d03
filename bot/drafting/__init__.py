"""Drafting replies: grounding sentences, the offline drafter, phrase banks and draft guards."""
