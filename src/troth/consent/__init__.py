"""Consent: the banner that blocks until allowed, the ledger that proves each choice, GPC/DNT."""
