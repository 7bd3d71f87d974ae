# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""``cmd.exe /c <line>``: the small part of cmd.exe that WinRS clients and ansible use.

WinRS runs every ``rsp:Command`` through ``cmd.exe /c`` (unless WINRS_SKIP_CMD_SHELL), and
ansible sends ``type <file> | PowerShell ...`` and, through ``raw``, whatever the user typed
(``cmd.exe /c echo hi`` arrives as a PowerShell script that starts cmd.exe). What is done,
in cmd's order:

1. ``%NAME%`` is replaced once, for the whole line, before anything runs (so
   ``set X=1 && echo %X%`` shows the old value, as in cmd); undefined names stay as written.
   ``%ERRORLEVEL%`` and ``%CD%`` are dynamic.
2. The line is split, outside double quotes, at ``&&``, ``||``, ``&`` and ``|`` (``^``
   escapes one character); ``a | b`` feeds a's stdout to b's stdin.
3. Redirections of each command: ``>``/``1>``/``>>`` to a file or ``nul``, ``2>``,
   ``2>&1``, ``>&2``/``1>&2``. Files live in the host's memory (``type`` reads them back).
4. Built-ins: ``echo`` (the text verbatim, trailing spaces included, ``echo.`` for an empty
   line), ``set`` (list sorted case-insensitively, ``set PREFIX``, ``set NAME=value``),
   ``exit [/b] [N]``, ``type``, ``ver``, ``cd``/``chdir``, ``rem``, ``cmd [/c|/k ...]``
   (a new cmd.exe with a copy of the environment), and the programs ``hostname`` and
   ``whoami``. Anything else is asked of ``external`` (PowerShell, handlers); a program
   nobody knows prints ``'x' is not recognized as an internal or external command,
   operable program or batch file.`` on stderr and sets ERRORLEVEL 9009; ``cmd /c`` then
   exits with 1.

The exit code of ``run`` is the ERRORLEVEL of the last command (``exit N`` sets it), except
that a last command that was not found makes it 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from winsim.windows.results import HostContext, ProcessEnv, ProcessOutput

#: (one command as cmd would start it, its stdin, its environment) -> output, or None: no such program
External = Callable[[str, str, ProcessEnv], "ProcessOutput | None"]

NOT_FOUND_ERRORLEVEL = 9009
_NOT_FOUND = "'{0}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
_NO_FILE = "The system cannot find the file specified.\r\n"
_CMD_NAMES = ("cmd", "cmd.exe")
_VARIABLE = re.compile(r"%([^%\r\n=][^%\r\n]*)%")
_REDIRECTION = re.compile(r'(?P<fd>[012])?(?P<op>>>?|<)(?P<target>&[012]|\s*"[^"]*"|\s*[^\s&|<>]+)')


def program_name(word: str) -> str:
    """``C:\\Windows\\System32\\cmd.exe`` or ``"cmd.exe"`` -> ``cmd.exe`` (lower case)."""
    return word.strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower()


def first_word(text: str) -> tuple[str, str]:
    """The program word of a command (a quoted one may hold spaces) and what follows it, verbatim."""
    text = text.lstrip(" \t")
    if text.startswith('"'):
        end = text.find('"', 1)
        end = len(text) if end < 0 else end + 1
    else:
        match = re.match(r'[^\s/,;=(]*', text)
        end = match.end() if match else 0
        if end == 0:
            end = 1 if text else 0
    return text[:end], text[end:]


@dataclass
class _Session:
    """One cmd.exe process: its environment and ERRORLEVEL."""

    ctx: HostContext
    env: ProcessEnv
    external: External
    errorlevel: int = 0
    not_found: bool = False
    exited: bool = False
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def expand(line: str, env: ProcessEnv, errorlevel: int = 0) -> str:
    """``%NAME%`` replaced from the environment (names compared case-insensitively)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.upper() == "ERRORLEVEL" and env.get(name) is None:
            return str(errorlevel)
        if name.upper() == "CD" and env.get(name) is None:
            return env.working_directory
        found = env.get(name)
        return match.group(0) if found is None else found
    return _VARIABLE.sub(value, line)


def split(line: str) -> list[tuple[str, str]]:
    """``[(operator before, command text)]`` with operators ``''``, ``&``, ``&&``, ``||``, ``|``."""
    parts: list[tuple[str, str]] = []
    current: list[str] = []
    operator = ""
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "^" and index + 1 < len(line):
            current.append(line[index + 1])
            index += 2
            continue
        elif not quoted and char in "&|":
            # '>&2' and '2>&1' are redirections, not separators.
            if char == "&" and current and current[-1] == ">":
                current.append(char)
                index += 1
                continue
            double = line[index:index + 2] in ("&&", "||")
            parts.append((operator, "".join(current)))
            operator = line[index:index + 2] if double else char
            current = []
            index += 2 if double else 1
            continue
        current.append(char)
        index += 1
    parts.append((operator, "".join(current)))
    return parts


def _redirections(text: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The command text without its redirections, and the redirections as (fd, op, target)."""
    found: list[tuple[int, str, str]] = []
    kept: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            quoted = not quoted
        if not quoted and char in "<>012":
            match = _REDIRECTION.match(text, index)
            if match and (char in "<>" or (index + 1 < len(text) and text[index + 1] in "<>")):
                if char in "012" and index > 0 and not text[index - 1].isspace():
                    kept.append(char)
                    index += 1
                    continue
                fd = int(match.group("fd") or (0 if match.group("op") == "<" else 1))
                found.append((fd, match.group("op"), match.group("target").strip().strip('"')))
                index = match.end()
                continue
        kept.append(char)
        index += 1
    return "".join(kept), found


def _absolute(path: str, env: ProcessEnv) -> str:
    path = path.replace("/", "\\")
    if re.match(r"^[A-Za-z]:\\", path) or path.startswith("\\\\"):
        return path.lower()
    return (env.working_directory.rstrip("\\") + "\\" + path).lower()


class _Exit(Exception):
    """``exit`` (without /b): the cmd.exe process ends."""


def _set(session: _Session, arguments: str) -> ProcessOutput:
    arguments = arguments.lstrip()  # `set X=42 && ...` gives X the value "42 ", as in cmd
    if arguments.startswith('"') and arguments.rstrip().endswith('"') and len(arguments.rstrip()) > 1:
        arguments = arguments.rstrip()[1:-1]
    env = session.env
    if "=" in arguments and not arguments.startswith("/"):
        name, dummy, value = arguments.partition("=")
        env.set(name, value if value else None)
        return ProcessOutput()
    arguments = arguments.rstrip()
    prefix = arguments.lower()
    names = sorted((name for name in env.variables if name.lower().startswith(prefix)), key=str.lower)
    if not names:
        return ProcessOutput(stderr=f"Environment variable {arguments} not defined\r\n", exit_code=1)
    return ProcessOutput(stdout="".join(f"{name}={env.variables[name]}\r\n" for name in names))


def _echo(text: str, rest: str) -> ProcessOutput:
    if rest[:1] in (".", "(", ":", ";", "/", "+", "[", "]", "\\"):
        return ProcessOutput(stdout=rest[1:] + "\r\n")
    if not rest.strip():
        return ProcessOutput(stdout="ECHO is on.\r\n")
    if rest.strip().lower() in ("on", "off"):
        return ProcessOutput()
    return ProcessOutput(stdout=rest[1:] + "\r\n")


def _type(session: _Session, arguments: str) -> ProcessOutput:
    names = re.findall(r'"[^"]*"|\S+', arguments)
    if not names:
        return ProcessOutput(stderr="The syntax of the command is incorrect.\r\n", exit_code=1)
    output = ProcessOutput()
    for name in names:
        content = session.ctx.files.get(_absolute(name.strip('"'), session.env))
        if content is None:
            output.stderr += _NO_FILE if len(names) == 1 else f"The system cannot find the file specified.\r\nError occurred while processing: {name}.\r\n"
            output.exit_code = 1
        else:
            output.stdout += content
    return output


def _cmd(session: _Session, arguments: str, stdin: str) -> ProcessOutput:
    """``cmd [/c | /k] [/s] [/q] [/d] ... line``: a new cmd.exe with a copy of the environment."""
    rest = arguments.lstrip()
    while True:
        match = re.match(r"/([A-Za-z](?::\w+)?)\s*", rest)
        if not match:
            break
        switch = match.group(1).lower()
        rest = rest[match.end():]
        if switch in ("c", "k", "r"):
            break
    else:  # pragma: no cover - the loop only ends through break
        pass
    line = rest.lstrip()
    if len(line.rstrip()) >= 2 and line.startswith('"') and line.rstrip().endswith('"'):
        line = line.rstrip()[1:-1]
    if not line:
        return ProcessOutput(stdout="Microsoft Windows [Version 10.0.20348.2849]\r\n(c) Microsoft Corporation. All rights reserved.\r\n")
    return run(line, session.ctx, session.env.copy(), stdin=stdin, external=session.external)


def _simple(session: _Session, text: str, stdin: str) -> ProcessOutput:
    """One command without operators; its redirections applied."""
    text, redirections = _redirections(text)
    word, rest = first_word(text)
    if not word.strip():
        return ProcessOutput(exit_code=session.errorlevel)
    name = program_name(word)
    for fd, op, target in redirections:
        if fd == 0 and op == "<":
            stdin = session.ctx.files.get(_absolute(target, session.env), "")
    output = _dispatch(session, name, word, text.lstrip(" \t"), rest, stdin)
    stdout, stderr = output.stdout, output.stderr
    for fd, op, target in redirections:
        if op == "<":
            continue
        if target in ("&1", "&2"):
            if fd == 2 and target == "&1":
                stdout, stderr = stdout + stderr, ""
            elif fd == 1 and target == "&2":
                stdout, stderr = "", stderr + stdout
            continue
        data = stdout if fd == 1 else stderr
        if fd == 1:
            stdout = ""
        else:
            stderr = ""
        if target.lower() != "nul":
            path = _absolute(target, session.env)
            session.ctx.files[path] = (session.ctx.files.get(path, "") if op == ">>" else "") + data
    return ProcessOutput(stdout=stdout, stderr=stderr, exit_code=output.exit_code)


def _dispatch(session: _Session, name: str, word: str, text: str, rest: str, stdin: str) -> ProcessOutput:
    ctx = session.ctx
    session.not_found = False
    if name.startswith("echo") and (name == "echo" or name[4:5] in ".(:;/+[]\\"):
        return _echo(text, text[4:] if name != "echo" else rest)
    if name == "rem":
        return ProcessOutput(exit_code=session.errorlevel)
    if name == "set":
        return _set(session, rest)
    if name == "exit":
        match = re.match(r"^\s*(/b)?\s*(-?\d+)?", rest, re.IGNORECASE)
        code = int(match.group(2)) if match and match.group(2) else (session.errorlevel if match and match.group(1) else 0)
        session.errorlevel = code
        raise _Exit()
    if name == "type":
        return _type(session, rest)
    if name == "ver":
        version = str(ctx.cim.classes["SoftwareLicensingService"].rows[0].get("Version") or "10.0")
        return ProcessOutput(stdout=f"\r\nMicrosoft Windows [Version {version}]\r\n")
    if name in ("cd", "chdir"):
        target = re.sub(r"^\s*/d\s*", "", rest, flags=re.IGNORECASE).strip().strip('"')
        if not target:
            return ProcessOutput(stdout=session.env.working_directory + "\r\n")
        session.env.working_directory = _absolute(target, session.env) if not re.match(r"^[A-Za-z]:\\", target) else target
        return ProcessOutput()
    if name in _CMD_NAMES:
        return _cmd(session, rest, stdin)
    if name in ("hostname", "hostname.exe"):
        return ProcessOutput(stdout=ctx.name + "\r\n")
    if name in ("whoami", "whoami.exe"):
        user = session.env.get("USERNAME") or ctx.username
        return ProcessOutput(stdout=f"{ctx.name.lower()[:15]}\\{user.lower()}\r\n")
    found = session.external(text, stdin, session.env)
    if found is not None:
        return found
    session.not_found = True
    return ProcessOutput(stderr=_NOT_FOUND.format(word.strip('"')), exit_code=NOT_FOUND_ERRORLEVEL)


def run(line: str, ctx: HostContext, env: ProcessEnv, *, stdin: str = "", external: External | None = None) -> ProcessOutput:
    """Run ``cmd.exe /c <line>`` in ``env`` (changed in place by ``set`` and ``cd``, as in that process)."""
    if env.get("PROMPT") is None:
        env.set("PROMPT", "$P$G")  # cmd.exe sets it when it starts (it is in every recorded `set`)
    session = _Session(ctx, env, external or (lambda text, data, process: None))
    parts = split(expand(line, env))
    index = 0
    try:
        while index < len(parts):
            operator, text = parts[index]
            # A pipeline: this command and every '|' after it.
            pipeline = [text]
            while index + 1 < len(parts) and parts[index + 1][0] == "|":
                index += 1
                pipeline.append(parts[index][1])
            index += 1
            if operator == "&&" and session.errorlevel != 0:
                continue
            if operator == "||" and session.errorlevel == 0:
                continue
            data = stdin if operator == "" else ""
            output = ProcessOutput()
            for position, command in enumerate(pipeline):
                output = _simple(session, command, data)
                session.stderr.append(output.stderr)
                if position < len(pipeline) - 1:
                    data = output.stdout
                else:
                    session.stdout.append(output.stdout)
            session.errorlevel = output.exit_code
    except _Exit:
        session.not_found = False
    exit_code = 1 if session.not_found else session.errorlevel
    return ProcessOutput(stdout="".join(session.stdout), stderr="".join(session.stderr), exit_code=exit_code)
