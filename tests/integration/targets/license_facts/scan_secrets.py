#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail if a log holds a full product key or any password of the fleet file."""

from __future__ import annotations

import re
import sys

import yaml

KEY = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{5}-){4}[A-Za-z0-9]{5}(?![A-Za-z0-9])")


def main() -> int:
    log_path, fleet_path = sys.argv[1], sys.argv[2]
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    with open(fleet_path, encoding="utf-8") as handle:
        fleet = yaml.safe_load(handle)
    passwords = {fleet.get("defaults", {}).get("password")}
    passwords.update(host.get("password") for host in fleet["hosts"])
    problems = [f"product key {match.group(0)[-5:]} (shown masked here)" for match in KEY.finditer(text)]
    problems += ["a password of the fleet" for password in passwords if password and password in text]
    if len(text) < 10000:
        problems.append(f"the -vvvv log is suspiciously short ({len(text)} characters)")
    if problems:
        print("secrets found in " + log_path + ": " + ", ".join(problems), file=sys.stderr)
        return 1
    print(f"no product key or password in {len(text)} characters of -vvvv output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
