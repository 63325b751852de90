"""Retrieve: Query -> [Hit]: dense and lexical search, rank fusion, sentence-level rerank."""
