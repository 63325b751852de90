"""`python -m rag ...`: the same as the `rag` command."""

import sys

from rag.cli import main

sys.exit(main())
