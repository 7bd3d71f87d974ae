# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Personalities: the programs that run on a simulated host as if they were installed there.

A personality recognises its own script (or module payload) and answers it from the host's
CIM model the way the real program would on Windows. Each registers itself with
:mod:`winsim.windows.handlers` when imported; importing this package (``import winsim``
does) registers the built-in one, the licensing.windows collector
(:mod:`~winsim.personalities.collector`). Others are loaded at run time with
``winsim serve --handlers MODULE_OR_PATH``, such as the benchmark's win_product_facts
emulation in ``benchmarks/winsim_handlers/peer_module.py``.
"""

from __future__ import annotations

from winsim.personalities import collector  # noqa: F401  (registers the collector's handler)
