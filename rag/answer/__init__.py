"""Answer: Query + [Hit] -> Answer with verified citations (extractive reader, LLM answerer)."""
