#!/usr/bin/env bash
# Sets up everything on a fresh machine: a virtual environment with the CPU build of torch 2.13.0
# (a plain `torch` requirement would pull a multi-GB CUDA build) and this package.
#   ./setup.sh          for running the chat
#   ./setup.sh --test   also the test tools and Debian's Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    "$PYTHON" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
echo "== installing torch 2.13.0 (CPU build)"
.venv/bin/pip install -q torch==2.13.0
if [ "${1:-}" = "--test" ]; then
    echo "== installing rag with test tools"
    .venv/bin/pip install -q -e '.[test]'
    if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi"; then
        # Debian's chromium for the browser tests (Playwright never downloads its own browser),
        # and a Chinese font so screenshots show characters instead of boxes
        echo "== installing chromium and fonts-wqy-microhei from Debian"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        pkgs="chromium fonts-wqy-microhei"
        $SUDO apt-get install -y -q --no-install-recommends $pkgs >/dev/null \
            || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q --no-install-recommends $pkgs >/dev/null; }
    fi
else
    echo "== installing rag"
    .venv/bin/pip install -q -e .
fi
.venv/bin/python -c "import torch; assert '+cpu' in torch.__version__ or not torch.cuda.is_available(), torch.__version__"
echo "== ready: .venv/bin/rag --help"
