"""`python -m bot` is the same as `jiazhan`."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
