"""The chat page: `python ui.py [--index index] [--corpus seeds] [--port 7860]`, as `rag serve`."""

import sys

from rag.web.app import main

if __name__ == "__main__":
    sys.exit(main())
