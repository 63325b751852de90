"""Evaluate: gold question sets in, retrieval and answer metrics out, as tables, JSON and plots."""
