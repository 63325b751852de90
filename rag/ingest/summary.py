"""The one block `rag index` ends with: how many files were indexed, skipped (unsupported types) and
failed (unreadable: each named with its reason), and the warnings of files read with an assumption."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rag.types import UpdateReport

UNSUPPORTED = "unsupported file type"


def index_summary(report: UpdateReport) -> str:
    unsupported = [s for s in report.skipped if s.reason.startswith(UNSUPPORTED)]
    failed = [s for s in report.skipped if not s.reason.startswith(UNSUPPORTED)]
    indexed = len(report.added) + len(report.changed) + report.unchanged
    lines = [
        "index summary:",
        f"  indexed: {indexed} documents ({len(report.added)} added, {len(report.changed)} changed, "
        f"{report.unchanged} unchanged); {len(report.removed)} removed",
    ]
    if unsupported:
        kinds = Counter(Path(s.path).suffix.lower() or "(none)" for s in unsupported)
        lines.append(
            f"  skipped: {len(unsupported)} files of unsupported types "
            f"({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))})"
        )
        lines += [f"    skipped: {s}" for s in unsupported]
    if failed:
        kept = "an indexed earlier version, if any, is kept"
        lines.append(f"  failed: {len(failed)} files could not be read ({kept})")
        lines += [f"    skipped: {s}" for s in failed]
    if report.warnings:
        lines.append(f"  warnings: {len(report.warnings)}")
        lines += [f"    warning: {w}" for w in report.warnings]
    return "\n".join(lines)
