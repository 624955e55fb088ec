"""``python -m audit``: the audit's own command line (no Django involved)."""

import sys

from audit.metrics.cli import main

if __name__ == "__main__":
    sys.exit(main())
