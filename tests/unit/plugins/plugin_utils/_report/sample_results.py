# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""A registered license_facts result, as the report tests build their fleets from.

Shared by the unit tests of the report formats and the inventory plugin, and by the system
tests that build a report to feed a real program (ansible-inventory, promtool); they import
it as ``ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._report.sample_results``.
"""

from __future__ import annotations


def registered_facts(method="digital_license", digital=True, status="licensed", **extra) -> dict:
    """What a host registers from license_facts: a Windows 11 Pro activated as ``method``, changed as asked."""
    base = {
        "collected_at": "2026-11-21T10:00:00Z",
        "license_status": status,
        "license_status_reason": "0x00000000",
        "activation": {"method": method, "digital_license": digital},
        "product": {"channel": "retail", "partial_product_key": "3V66T", "edition": "Professional"},
        "os": {"caption": "Microsoft Windows 11 Pro", "is_server": False},
        "grace_remaining_minutes": 0,
        "grace_expires_at": None,
        "firmware_key": {"present": False},
    }
    base.update(extra)
    return {"changed": False, "ansible_facts": {"windows_license": base}}
