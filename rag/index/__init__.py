"""Index: Document -> chunks -> vectors and BM25, persisted in the index folder (the store)."""
