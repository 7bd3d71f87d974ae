# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Did a benchmark run audit every host? Evidence from three independent places.

1. ansible's PLAY RECAP: the host is listed, nothing unreachable, failed or ignored;
2. the variant's own output: ours' license-audit.json holds a verdict with no error for the
   host, the peer's JSON report holds a verdict with a product id, the floor has none;
3. the simulator's counters: the host really ran at least one command.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from reports import FILE_NAMES, load_json  # tests/support, which benchmark.py puts on sys.path

_RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=\d+\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)"
    r"\s+skipped=\d+\s+rescued=\d+\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


def recap_ok_hosts(output: str) -> set[str]:
    """Hosts whose recap line shows at least one ok task and nothing unreachable, failed or ignored."""
    return {match["host"] for match in _RECAP.finditer(output)
            if int(match["ok"]) > 0 and match["unreachable"] == match["failed"] == match["ignored"] == "0"}


def ours_reported_hosts(report_dir: Path) -> set[str]:
    """Hosts of license-audit.json whose verdict was judged from collected facts (no error)."""
    if not (report_dir / FILE_NAMES["json"]).is_file():
        return set()
    document = load_json(report_dir)
    return {entry["host"] for entry in document.get("hosts", []) if entry.get("error") is None and entry.get("status")}


def peer_reported_hosts(report_dir: Path) -> set[str]:
    """Hosts of the peer's peer-audit.json with a verdict and a product id."""
    path = report_dir / "peer-audit.json"
    if not path.is_file():
        return set()
    return {entry["host"] for entry in json.loads(path.read_text(encoding="utf-8"))
            if entry.get("status") in ("compliant", "noncompliant") and entry.get("product_id")}


def contacted_hosts(stats: dict) -> set[str]:
    """Hosts on which the simulator ran at least one command during the run."""
    return {name for name, counters in stats["hosts"].items() if counters.get("commands", 0) > 0}


def audited_hosts(variant: str, output: str, report_dir: Path, stats: dict) -> set[str]:
    """The hosts that every piece of evidence agrees were audited by ``variant``."""
    hosts = recap_ok_hosts(output) & contacted_hosts(stats)
    if variant in ("ours", "baseline"):
        hosts &= ours_reported_hosts(report_dir)
    elif variant == "peer":
        hosts &= peer_reported_hosts(report_dir)
    return hosts
