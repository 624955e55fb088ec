"""``python -m generation``: the engine's command line (no Django; see generation.engine.cli)."""

import sys

from generation.engine.cli import main

sys.exit(main())
