# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""``python -m winsim`` = the ``winsim`` command."""

from __future__ import annotations

import sys

from winsim.cli import main

sys.exit(main())
