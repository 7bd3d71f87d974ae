# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing the report files, each one atomically.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Readers of a report directory (a web server, a CI artifact upload, the next merge)
must never see half a file. Each report is written to a temporary file in the same
directory, flushed to disk, then renamed over the old one: a crash or a full disk
leaves the previous report in place. All formats are rendered before the first file
is written, so a rendering error writes nothing.
"""

from __future__ import annotations

import os
import tempfile
import time

from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_csv import render_csv
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_html import render_html
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_junit import render_junit
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_markdown import render_markdown
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import NO_CONTEXT, RenderContext, ReportError
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_prometheus import render_prometheus
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REPORT_FILE_NAMES, REPORT_FORMATS

# Each renderer takes the report and the RenderContext; the formats that show only the
# report itself ignore the context.
RENDERERS = {
    "json": lambda report, _context: render_json(report),
    "csv": lambda report, _context: render_csv(report),
    "html": render_html,
    "junit": lambda report, _context: render_junit(report),
    "markdown": lambda report, _context: render_markdown(report),
    "prometheus": render_prometheus,
}

# A byte order mark makes Excel read the CSV as UTF-8 rather than the local code page.
_ENCODINGS = {"csv": "utf-8-sig"}

DEFAULT_FILE_MODE = 0o644


def check_formats(formats) -> list[str]:
    """The requested formats, validated, duplicates dropped, in REPORT_FORMATS order."""
    if isinstance(formats, str) or not isinstance(formats, (list, tuple, set, frozenset)):
        raise ReportError(f"formats: expected a list of formats (some of {', '.join(REPORT_FORMATS)}), got {formats!r}")
    unknown = [item for item in formats if item not in REPORT_FORMATS]
    if unknown:
        raise ReportError(f"formats: unknown format {unknown[0]!r}; expected some of {', '.join(REPORT_FORMATS)}")
    if not formats:
        raise ReportError(f"formats: expected at least one of {', '.join(REPORT_FORMATS)}")
    return [name for name in REPORT_FORMATS if name in formats]


def report_paths(dest_dir, formats) -> dict[str, str]:
    """The file each format is written to under ``dest_dir``."""
    directory = os.fspath(dest_dir)
    return {name: os.path.join(directory, REPORT_FILE_NAMES[name]) for name in check_formats(formats)}


def render_report(report: dict, fmt: str, context: RenderContext = NO_CONTEXT) -> bytes:
    """One format of the report, encoded as it is written to disk."""
    check_formats([fmt])
    return RENDERERS[fmt](report, context).encode(_ENCODINGS.get(fmt, "utf-8"))


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not every platform or file system allows it.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_atomically(path: str, data: bytes, mode: int = DEFAULT_FILE_MODE) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, never a mix."""
    directory = os.path.dirname(path) or "."
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


# A temporary file this old cannot belong to a write still in progress (a write takes
# milliseconds); it is what a killed run left behind.
STALE_TEMPORARY_SECONDS = 3600


def remove_stale_temporaries(directory: str, now: float | None = None) -> list[str]:
    """Delete report temporaries that an interrupted run left in ``directory``; return their names."""
    now = time.time() if now is None else now
    removed = []
    prefixes = tuple(f".{name}." for name in REPORT_FILE_NAMES.values())
    for entry in os.scandir(directory):
        if entry.name.startswith(prefixes) and entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMPORARY_SECONDS:
                    os.unlink(entry.path)
                    removed.append(entry.name)
            except OSError:
                pass  # gone already, or not ours to delete: leave it
    return removed


def write_reports(report: dict, dest_dir, formats=REPORT_FORMATS, mode: int = DEFAULT_FILE_MODE,
                  context: RenderContext = NO_CONTEXT) -> dict[str, str]:
    """Write ``report`` in each of ``formats`` under ``dest_dir`` (created if missing); return format -> path.

    ReportError for an unknown format; OSError (naming the file) when the directory or
    a file cannot be written, in which case the files not yet replaced keep their
    previous content.
    """
    paths = report_paths(dest_dir, formats)
    rendered = {name: render_report(report, name, context) for name in paths}
    os.makedirs(os.fspath(dest_dir), exist_ok=True)
    remove_stale_temporaries(os.fspath(dest_dir))
    for name, path in paths.items():
        write_atomically(path, rendered[name], mode)
    return paths
