# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The one exception type for bad configuration (fleet files, profiles, CLI options)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value was refused; the message names where, which field and what was expected."""
