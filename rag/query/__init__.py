"""Query: question text (+ conversation) -> Query, analysed once: rewrite, parts, what each asks for."""
