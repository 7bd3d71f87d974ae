# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The handler registry: programs a simulated host runs besides its small PowerShell interpreter.

A personality (:mod:`winsim.personalities.collector`, or a module loaded with
``winsim serve --handlers MODULE_OR_PATH``) registers a :class:`Handler` when it is
imported: a ``match`` function, which looks at a PowerShell invocation
(:class:`ScriptRequest`: the decoded script, what came on stdin, the command line) and
returns ``None`` when the program is not its own, or any other value (for example what it
parsed) when it is; and a ``run`` function, which gets the request, the host
(:class:`~winsim.windows.results.HostContext`) and that value and returns the
:class:`~winsim.windows.results.ProcessOutput`.

:func:`winsim.windows.commands.run` asks :func:`find` for every PowerShell invocation
that gets as far as running a script (the cmd.exe length limit, fault ``not_windows`` and
PowerShell's own parameter errors come first); handlers are asked in the order they were
registered, and a script no handler claims goes to :mod:`winsim.windows.powershell`.
The command dispatch therefore imports no personality by name.

:func:`load` is the loader of ``--handlers``: a file path (``benchmarks/winsim_handlers/
peer_module.py``) or a dotted module name (``mypackage.handlers``), imported once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from winsim.errors import ConfigError
from winsim.windows.results import HostContext, ProcessOutput


@dataclass(frozen=True)
class ScriptRequest:
    """A PowerShell invocation on its way to running a script."""

    #: the whole command line (``rsp:Command`` + ``rsp:Arguments``)
    command_line: str
    #: the script PowerShell runs: decoded ``-EncodedCommand``, ``-Command`` text, or stdin for ``-Command -``
    script: str
    #: everything the client sent on stdin (ansible's module payload arrives here beside a bootstrap script)
    stdin: str
    #: the process's environment block (the shell's rsp:Environment included) and working directory
    environment: Mapping[str, str] = field(default_factory=dict)
    working_directory: str = "C:\\Windows\\system32"


Matcher = Callable[[ScriptRequest], object]
Runner = Callable[[ScriptRequest, HostContext, object], ProcessOutput]


@dataclass(frozen=True)
class Handler:
    """One registered program: ``match`` returns None (not mine) or a value that ``run`` receives."""

    name: str
    match: Matcher
    run: Runner


_HANDLERS: list[Handler] = []


def register(name: str, match: Matcher, run: Runner) -> Handler:
    """Add a handler; a handler of the same name (a module loaded again) is replaced in its place."""
    handler = Handler(name, match, run)
    for index, existing in enumerate(_HANDLERS):
        if existing.name == name:
            _HANDLERS[index] = handler
            return handler
    _HANDLERS.append(handler)
    return handler


def unregister(name: str) -> None:
    """Remove the handler of that name, if there is one."""
    _HANDLERS[:] = [handler for handler in _HANDLERS if handler.name != name]


def registered() -> tuple[Handler, ...]:
    """The handlers in the order they are asked."""
    return tuple(_HANDLERS)


def find(request: ScriptRequest) -> tuple[Handler, object] | None:
    """The first handler whose ``match`` claims the request, with what it returned; None if none does."""
    for handler in _HANDLERS:
        matched = handler.match(request)
        if matched is not None:
            return handler, matched
    return None


def _module_name_for(path: Path) -> str:
    """A stable, private sys.modules name for a handler file (the same file is imported once)."""
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:10]
    stem = "".join(character if character.isalnum() else "_" for character in path.stem)
    return f"_winsim_handlers_{stem}_{digest}"


def load(source: str | Path) -> ModuleType:
    """Import a handler module, given as a file path or a dotted module name; it registers its handlers.

    Raises :class:`~winsim.errors.ConfigError` when the file or module does not exist, fails
    to import, or registers no handler.
    """
    text = str(source)
    looks_like_path = isinstance(source, Path) or text.endswith(".py") or "/" in text or "\\" in text
    before = registered()
    if looks_like_path:
        path = Path(text).expanduser().resolve()
        if not path.is_file():
            raise ConfigError(f"--handlers {text}: no such file")
        name = _module_name_for(path)
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"--handlers {text}: not a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise ConfigError(f"--handlers {text}: importing it failed: {type(exc).__name__}: {exc}") from exc
    else:
        if text in sys.modules:
            return sys.modules[text]
        try:
            module = importlib.import_module(text)
        except ImportError as exc:
            raise ConfigError(f"--handlers {text}: no such module (give a file path or a dotted module name): {exc}") from exc
        except Exception as exc:
            raise ConfigError(f"--handlers {text}: importing it failed: {type(exc).__name__}: {exc}") from exc
    if registered() == before:
        raise ConfigError(f"--handlers {text}: the module registered no handler (call winsim.windows.handlers.register)")
    return module
