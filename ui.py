"""The chat page on the seeds: `python ui.py [--index index] [--corpus seeds] [--port 7860]` (= `rag serve`)."""

import sys

from rag.web.app import main

if __name__ == "__main__":
    sys.exit(main())
