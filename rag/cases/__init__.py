"""Cases: the disciplinary cases a document describes (a person or unit plus a sanction or
accountability action), each field with the original-text span it was read from.

`extract_cases(doc)` reads them at indexing time; `match_cases` scores them against a gold file.
The sanction categories and the cues live in rag/zh/data/sanctions.toml.
"""

from rag.cases.extract import extract_cases
from rag.cases.match import CaseScores, load_gold, match_cases
from rag.cases.model import Case, Field

__all__ = ["Case", "CaseScores", "Field", "extract_cases", "load_gold", "match_cases"]
