"""Ingest: a file on disk -> Document (decoding, title, source, date, cleaning)."""
