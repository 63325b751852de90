"""How many intra-op threads an encoder (torch or ONNX Runtime) runs on."""

from __future__ import annotations

import os


def encoder_threads() -> int:
    """OMP_NUM_THREADS if set, else one per core up to 4 (more threads than cores only adds contention)."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else max(1, min(os.cpu_count() or 1, 4))
