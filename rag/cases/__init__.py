"""Cases: the disciplinary cases a document describes (a person or unit plus a sanction or
accountability action), each field with the original-text span it was read from.

`extract_cases(doc)` reads them at indexing time, `extract_totals(doc)` the totals a report states
(通报曝光10起); `match_cases` and `match_totals` score them against a gold file.
The sanction categories and the cues live in rag/zh/data/sanctions.toml.
"""

from rag.cases.extract import extract_cases
from rag.cases.match import CaseScores, load_gold, match_cases, match_totals
from rag.cases.model import Case, Field
from rag.cases.totals import Total, extract_totals

__all__ = [
    "Case",
    "CaseScores",
    "Field",
    "Total",
    "extract_cases",
    "extract_totals",
    "load_gold",
    "match_cases",
    "match_totals",
]
