"""The project's errors: exceptions raised where a problem is found, one line and an exit code at the entry point.

Every refusal or failure a user can act on is a ``LivelihoodsError``: ``str(error)`` is the one line the
command line prints after ``error:`` (naming the key and what is allowed), ``error.exit_code`` what the
process returns. The code that finds the problem raises it; only the entry points (``experiments/<command>.py``,
``tools/``, ``benchmarks/``) turn it into the line and the exit code (``entry_point``), and the public API lets
it reach the caller as it is.

=====================  ====  =========================================================================
``ConfigurationError``  2    a key, value, option, folder or file that cannot be used; nothing was run
``DamagedRecord``       2    a record of a run (summary, config, series) that cannot be read
``NotWritten``          3    results that could not be written (a full disk, an I/O error): no summary
=====================  ====  =========================================================================
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
import typing

from simulation.config import ConfigError

EXIT_BAD_INPUT = 2  # a key, value, folder or option that cannot be used; nothing was run
EXIT_NOT_WRITTEN = 3  # the run could not write its results (disk full, I/O error): no summary.json


class LivelihoodsError(Exception):
    """A refusal or failure with one line for the user (``str``) and the exit code of the command line."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str):
        Exception.__init__(self, message)  # (not super(): ConfigurationError's next base is the schema's ConfigError)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable: a worker process sends it back to its parent
        return (type(self), (self.message,))


class ConfigurationError(LivelihoodsError, ConfigError):
    """A key or value the model does not accept; nothing was run.

    ``str(error)`` is the one line the command line prints after ``error:``, e.g.
    ``scenario.n_yuoth: unknown key, allowed keys: name, n_youth, ...``; ``key`` is
    the key it names (None when the line names no key, e.g. a malformed override).
    A subclass of ``simulation.config.ConfigError`` and of ``ValueError``.
    """

    def __init__(self, message: str, key: str | None = None):
        LivelihoodsError.__init__(self, message)
        if key is None:
            head = message.partition(":")[0]
            key = head if head and re.fullmatch(r"[\w.\[\]/*-]+", head) else None
        self.key, self.allowed, self.got = key, None, None

    def __reduce__(self):
        return (type(self), (self.message, self.key))


class DamagedRecord(LivelihoodsError):
    """A run's record (summary.json, timeseries.parquet, .hydra/config.yaml, multirun.yaml) cannot be read."""


class NotWritten(LivelihoodsError):
    """Results could not be written (a full disk, a read-only folder): nothing that looks complete was left."""

    exit_code = EXIT_NOT_WRITTEN


def explain(exc: BaseException) -> str:
    """One line for a configuration error: ours, Hydra's, OmegaConf's or PyYAML's."""
    import yaml
    from hydra.errors import MissingConfigException, OverrideParseException
    from omegaconf.errors import OmegaConfBaseException

    from livelihoods.paths import group_options
    from livelihoods.schema import omegaconf_line

    if isinstance(exc, (LivelihoodsError, ConfigError)):
        return str(exc)
    chain, e = [], exc
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, MissingConfigException) and e.missing_cfg_file:
            group, _, option = e.missing_cfg_file.rpartition("/")
            options = e.options or group_options(group or option)
            allowed = ", ".join(o for o in options if not o.startswith("base_")) or "(none)"
            return f"{group or option}: unknown option {option!r}, allowed: {allowed}"
    for e in chain:
        if isinstance(e, OmegaConfBaseException) and getattr(e, "full_key", None):
            return omegaconf_line(e)
    for e in chain:
        if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
            mark = e.problem_mark
            return (f"{mark.name}: not valid YAML at line {mark.line + 1}, column {mark.column + 1}: "
                    f"{e.context + ', ' if e.context else ''}{e.problem}")
    if isinstance(exc, OverrideParseException):
        return f"malformed override: {str(exc).splitlines()[0]}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def as_configuration_error(exc: BaseException, prefix: str = "") -> ConfigurationError:
    """``exc`` (a schema, Hydra, OmegaConf or YAML error) as a ``ConfigurationError`` with its one line."""
    if isinstance(exc, ConfigurationError) and not prefix:
        return exc
    key = getattr(exc, "key", None) if isinstance(exc, ConfigError) and not prefix else None
    return ConfigurationError(f"{prefix}{explain(exc)}", key)


def require(module: str, extra: str, what: str) -> None:
    """Refuse, naming the extra to install, when an optional dependency is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigurationError(f"{what}: needs the [{extra}] extra, which is not installed; install it with "
                                 f"`make setup` (everything) or `pip install -e '.[{extra}]'`")


def report(error: LivelihoodsError) -> int:
    """Print ``error: <line>`` on stderr; the exit code."""
    print(f"error: {error}", file=sys.stderr, flush=True)
    return error.exit_code


INTERRUPTED = 130  # the shell's code for a command stopped by SIGINT (128 + 2)


def entry_point(main: typing.Callable[..., int | None]) -> typing.Callable[..., int]:
    """Wrap a command's ``main``: a ``LivelihoodsError`` becomes its one line on stderr and its exit code.

    The wrapped ``main`` returns the exit code (0 when ``main`` returned None); the command module's
    ``if __name__ == "__main__": sys.exit(main())`` and the console scripts pass it to the shell.
    """

    @functools.wraps(main)
    def wrapped(*args, **kwargs) -> int:
        try:
            code = main(*args, **kwargs)
        except LivelihoodsError as error:
            return report(error)
        except KeyboardInterrupt:  # Ctrl-C (SIGINT): one line, not the traceback of wherever it landed
            print("error: interrupted: results finished before it are kept; an unfinished run is marked incomplete "
                  "(a sweep completes with resume=true)", file=sys.stderr, flush=True)
            return INTERRUPTED
        return 0 if code is None else int(code)

    return wrapped


class CommandParser(argparse.ArgumentParser):
    """The commands' argument parser: a bad option is a ``ConfigurationError`` (one line naming the option, exit 2
    through ``entry_point``), not argparse's usage block and message."""

    def error(self, message: str):
        option = re.match(r"argument (\S+?)(/\S+)?: (.*)", message)
        text = f"{option.group(1)}: {option.group(3)}" if option else message
        raise ConfigurationError(f"{text} (see --help)")
