# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes every module of the collection shares: an action plugin in the license action group."""

from __future__ import annotations


class ModuleDocFragment:
    """Attributes of the collection's controller-side modules (with ansible.builtin.action_common_attributes)."""

    DOCUMENTATION = r"""
attributes:
  action_group:
    membership:
      - licensing.windows.license
  async:
    support: none
  bypass_host_loop:
    support: none
  diff_mode:
    support: none
"""
