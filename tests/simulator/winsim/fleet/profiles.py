# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The profile library: one YAML file per simulated Windows configuration.

Format (docs/architecture.md, "Profile library"): top-level keys
``description``, ``expect``, ``os`` (Win32_OperatingSystem values),
``edition_id`` (registry EditionID), ``service`` (SoftwareLicensingService
values) and ``products`` (SoftwareLicensingProduct rows that have a key or
matter). Property names must be spelled exactly as CIM spells them and values
must have the CIM type (:mod:`winsim.windows.cim_schema`); dates are ISO-8601 strings
or ``null`` (the 1601 sentinel).

The same validation serves the ``cim:`` and ``overrides:`` blocks of a fleet
file, so a typo is reported wherever it is made.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from winsim import collection
from winsim.errors import ConfigError
from winsim.windows import cim_schema
from winsim.windows.cim_schema import BOOLEAN, DATETIME, SINT16, STRING, STRING_ARRAY, UINT16, UINT32, UINT64
from winsim.windows.psjson import PsDateTime

#: Where the profile library lives unless a directory is given (CLI, fleet file, or WINSIM_PROFILES_DIR):
#: ``tests/profiles`` of the collection's checkout, a test fixture shared with the collection's unit tests.
LIBRARY_PROFILES_DIR = collection.root() / "tests" / "profiles"
PROFILES_DIR_ENV = "WINSIM_PROFILES_DIR"

PROFILE_KEYS = ("description", "expect", "office", "failures", "os", "edition_id", "service", "products")
CIM_KEYS = ("office", "failures", "os", "edition_id", "service", "products")
#: Sources a profile's ``failures`` may name: the WQL classes and the registry read of EditionID.
FAILURE_SOURCES = ("Win32_OperatingSystem", "SoftwareLicensingService", "SoftwareLicensingProduct", "Registry")
_HRESULT = re.compile(r"^0x[0-9A-Fa-f]{8}$")

_INTEGER_RANGES = {
    UINT16: (0, 0xFFFF),
    UINT32: (0, 0xFFFFFFFF),
    UINT64: (0, 0xFFFFFFFFFFFFFFFF),
    SINT16: (-0x8000, 0x7FFF),
}

Row = dict[str, object]


@dataclass
class CimData:
    """CIM values of one host, validated and typed (dates as :class:`PsDateTime`).

    Only the values that were given are held here; :mod:`winsim.windows.cim` adds the
    defaults and the keyless rows a real host has.
    """

    os: Row = field(default_factory=dict)
    edition_id: str | None = None
    service: Row = field(default_factory=dict)
    products: list[Row] = field(default_factory=list)
    #: add Office's rows (one licensed volume Office 2021 row and keyless ones)
    office: bool = False
    #: source (class name or ``Registry``) -> HRESULT raised instead of answering
    failures: dict[str, int] = field(default_factory=dict)

    def copy(self) -> CimData:
        return CimData(dict(self.os), self.edition_id, dict(self.service), [dict(row) for row in self.products],
                       self.office, dict(self.failures))

    def merged(self, overrides: CimData, given: set[str]) -> CimData:
        """Return a copy with ``overrides`` applied.

        ``os``/``service`` values replace single properties; ``products`` rows are
        matched by ``ID`` (case-insensitive) and merged, unknown IDs are appended;
        ``edition_id`` replaces the value when it was given.
        """
        result = self.copy()
        result.os.update(overrides.os)
        result.service.update(overrides.service)
        result.failures.update(overrides.failures)
        if "edition_id" in given:
            result.edition_id = overrides.edition_id
        if "office" in given:
            result.office = overrides.office
        by_id = {str(row["ID"]).lower(): row for row in result.products}
        for row in overrides.products:
            existing = by_id.get(str(row["ID"]).lower())
            if existing is None:
                result.products.append(dict(row))
            else:
                existing.update(row)
        return result


@dataclass
class Profile:
    """One library entry."""

    name: str
    description: str
    expect: dict[str, object]
    cim: CimData
    path: Path | None = None


def _fail(context: str, path: str, problem: str) -> ConfigError:
    return ConfigError(f"{context}: field '{path}': {problem}")


def convert_value(value: object, cim_type: str, context: str, path: str) -> object:
    """Check ``value`` against ``cim_type`` and return it in the simulator's representation."""
    if cim_type == DATETIME:
        try:
            return PsDateTime.from_value(value)
        except ValueError:
            raise _fail(context, path, f"expected an ISO-8601 date (e.g. 2026-12-31T00:00:00Z) or null, got {value!r}") from None
    if value is None:
        return None
    if cim_type == STRING:
        if isinstance(value, str):
            return value
        hint = " (quote it in YAML)" if isinstance(value, (int, float, bool, _dt.date)) else ""
        raise _fail(context, path, f"expected a string or null, got {type(value).__name__} {value!r}{hint}")
    if cim_type == BOOLEAN:
        if isinstance(value, bool):
            return value
        raise _fail(context, path, f"expected true, false or null, got {value!r}")
    if cim_type == STRING_ARRAY:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        raise _fail(context, path, f"expected a list of strings or null, got {value!r}")
    low, high = _INTEGER_RANGES[cim_type]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(context, path, f"expected a {cim_type} integer or null, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise _fail(context, path, f"expected a {cim_type} integer in {low}..{high}, got {value}")
    return value


def _instance(values: object, class_name: str, context: str, path: str) -> Row:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise _fail(context, path, f"expected a mapping of {class_name} properties, got {type(values).__name__}")
    table = cim_schema.CLASSES[class_name]
    row: Row = {}
    for name, value in values.items():
        if str(name) not in table:
            close = cim_schema.canonical_property(class_name, str(name))
            hint = f" (CIM spells it {close!r})" if close else ""
            raise _fail(context, f"{path}.{name}", f"{class_name} has no such property{hint}")
        row[str(name)] = convert_value(value, table[str(name)], context, f"{path}.{name}")
    return row


def parse_cim_block(data: Mapping[str, object], context: str, prefix: str = "", *,
                    allowed: tuple[str, ...] = CIM_KEYS) -> tuple[CimData, set[str]]:
    """Validate the CIM part of a profile / ``cim:`` / ``overrides:`` block.

    Errors read ``<context>: field '<prefix><path>': <problem>``. Returns the
    typed values and the set of keys that were present.
    """
    unknown = [key for key in data if key not in allowed]
    if unknown:
        raise _fail(context, f"{prefix}{unknown[0]}", f"unknown field; expected one of {', '.join(allowed)}")
    result = CimData()
    result.os = _instance(data.get("os"), "Win32_OperatingSystem", context, f"{prefix}os")
    result.service = _instance(data.get("service"), "SoftwareLicensingService", context, f"{prefix}service")
    edition = data.get("edition_id")
    if edition is not None and not isinstance(edition, str):
        raise _fail(context, f"{prefix}edition_id", f"expected a string or null, got {edition!r}")
    result.edition_id = edition
    office = data.get("office", False)
    if not isinstance(office, bool):
        raise _fail(context, f"{prefix}office", f"expected true or false, got {office!r}")
    result.office = office
    failures = data.get("failures") or {}
    if not isinstance(failures, Mapping):
        raise _fail(context, f"{prefix}failures", f"expected a mapping of source to HRESULT, got {type(failures).__name__}")
    for source, hresult in failures.items():
        if source not in FAILURE_SOURCES:
            raise _fail(context, f"{prefix}failures.{source}", f"unknown source; expected one of {', '.join(FAILURE_SOURCES)}")
        if not isinstance(hresult, str) or not _HRESULT.match(hresult):
            raise _fail(context, f"{prefix}failures.{source}", f"expected an HRESULT string such as '0x80041003', got {hresult!r}")
        result.failures[str(source)] = int(hresult, 16)
    products = data.get("products") or []
    if not isinstance(products, list):
        raise _fail(context, f"{prefix}products", f"expected a list of SoftwareLicensingProduct rows, got {type(products).__name__}")
    seen: set[str] = set()
    for index, raw in enumerate(products):
        path = f"{prefix}products[{index}]"
        row = _instance(raw, "SoftwareLicensingProduct", context, path)
        if not isinstance(row.get("ID"), str) or not row["ID"]:
            raise _fail(context, f"{path}.ID", "required (the product's activation ID, a GUID string)")
        key = str(row["ID"]).lower()
        if key in seen:
            raise _fail(context, f"{path}.ID", f"duplicate product ID {row['ID']}")
        seen.add(key)
        result.products.append(row)
    return result, {key for key in data if key in allowed}


def parse_profile(name: str, data: object, path: Path | None = None) -> Profile:
    """Validate one profile document."""
    context = f"profile {name!r}" + (f" ({path})" if path else "")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{context}: expected a mapping with {', '.join(PROFILE_KEYS)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _fail(context, "description", f"expected a string, got {description!r}")
    expect = data.get("expect") or {}
    if not isinstance(expect, Mapping):
        raise _fail(context, "expect", f"expected a mapping, got {type(expect).__name__}")
    unknown = [key for key in data if key not in PROFILE_KEYS]
    if unknown:
        raise _fail(context, str(unknown[0]), f"unknown field; expected one of {', '.join(PROFILE_KEYS)}")
    cim_part = {key: value for key, value in data.items() if key in CIM_KEYS}
    cim, dummy = parse_cim_block(cim_part, context)
    return Profile(name, description, dict(expect), cim, path)


def resolve_profiles_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The library directory: ``explicit``, else ``$WINSIM_PROFILES_DIR``, else the checkout's ``tests/profiles``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(PROFILES_DIR_ENV)
    return Path(from_env) if from_env else LIBRARY_PROFILES_DIR


class ProfileLibrary:
    """Profiles of one directory, loaded on first use and cached."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = resolve_profiles_dir(directory)
        self._cache: dict[str, Profile] = {}

    def names(self) -> list[str]:
        """Sorted profile names (file names without .yml/.yaml)."""
        if not self.directory.is_dir():
            return []
        return sorted({path.stem for path in self.directory.iterdir() if path.suffix in (".yml", ".yaml") and path.is_file()})

    def get(self, name: str) -> Profile:
        """Load profile ``name``; ConfigError when it does not exist or is invalid."""
        if name in self._cache:
            return self._cache[name]
        for suffix in (".yml", ".yaml"):
            path = self.directory / f"{name}{suffix}"
            if path.is_file():
                break
        else:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"unknown profile {name!r} in {self.directory} (known: {known})")
        try:
            with path.open(encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ConfigError(f"profile {name!r} ({path}): not valid YAML: {exc}") from None
        profile = parse_profile(name, data, path)
        self._cache[name] = profile
        return profile

    def all(self) -> list[Profile]:
        return [self.get(name) for name in self.names()]
