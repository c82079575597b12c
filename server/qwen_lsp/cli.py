"""Command line: serve LSP on stdio (the default) or complete one spot in a file.

Everything but results goes to stderr, masked like the log; positions in messages are 1-based,
as the user gave them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qwen_lsp import __version__, config, logs
from qwen_lsp.providers import DIALECTS, PRESETS
from qwen_lsp.settings import Settings

ENVIRONMENT_HELP = f"""\
environment:
  QWEN_LSP_PROVIDER     {", ".join(PRESETS)} (default: dashscope)
  QWEN_LSP_DIALECT      {", ".join(DIALECTS)} (default: the provider's)
  QWEN_LSP_API_KEY      API key (falls back to the provider's own variable, e.g. DASHSCOPE_API_KEY)
  QWEN_LSP_BASE_URL     OpenAI-compatible endpoint (default: the provider's)
  QWEN_LSP_MODEL        model (default: the provider's, qwen3-coder-flash on DashScope)
  QWEN_LSP_DEBOUNCE_MS  wait after a keystroke before asking the model (default: 120)
  QWEN_LSP_THINKING_OFF, QWEN_LSP_MAX_TOKENS, QWEN_LSP_TEMPERATURE, QWEN_LSP_TIMEOUT_MS,
  QWEN_LSP_ENABLE, QWEN_LSP_EXCLUDE (comma-separated globs), QWEN_LSP_LOG_LEVEL,
  QWEN_LSP_PREFIX_TOKENS, QWEN_LSP_SUFFIX_TOKENS, QWEN_LSP_CONTEXT_TOKENS (prompt budgets)
files: ~/.config/qwen-lsp/config.toml (per user), .qwen-lsp.toml (per project)
precedence: defaults < provider preset < user file < project file < environment < editor
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logs.setup(args.log_level)
    project_dir = _project_dir(args)
    settings, errors, files = config.load(os.environ, (project_dir or Path.cwd()).absolute())
    logs.add_secrets(settings.secrets)
    if args.command == "doctor":
        return _doctor(settings, files, errors, args.settings)
    for error in errors:
        _say(error)
    if args.command == "complete":
        return asyncio.run(_complete(settings, args.spot, args.block))
    if args.command == "serve-fim":
        return _serve_fim(settings, args.port)
    if args.command == "eval":
        from qwen_lsp.evaluation.report import run

        root = Path(args.path)
        return asyncio.run(
            run(settings, root, args.samples, args.seed, sys.stdout, args.misses, sys.stderr)
        )
    from qwen_lsp.lsp import stdio
    from qwen_lsp.lsp.server import create_server

    def reload(root: Path) -> tuple[Settings, list[str]]:
        settings, errors, _ = config.load(os.environ, root)
        return settings, errors

    return stdio.serve(
        create_server(settings, errors, reload, config.typing_memory_path(os.environ))
    )


def _say(message: str) -> None:
    """A message for the user: on stderr, with every secret masked."""
    print(logs.mask(message), file=sys.stderr)


@dataclass(frozen=True)
class Spot:
    """Where ``complete`` completes: a file and a 1-based line and column."""

    path: Path
    line: int
    column: int


def spot(text: str) -> Spot:
    """``FILE:LINE:COL`` (a Windows drive's colon is part of FILE)."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts[1:]):
        raise argparse.ArgumentTypeError(
            f"expected FILE:LINE:COL with LINE and COL counted from 1, e.g. app.py:12:5; "
            f"got {text!r}"
        )
    return Spot(Path(parts[0]), int(parts[1]), int(parts[2]))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qwen-lsp",
        description="Inline code completion language server for qwen3-coder. "
        "With no command it serves LSP on stdio.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qwen-lsp {__version__}")
    parser.add_argument(
        "--log-level",
        default=os.environ.get("QWEN_LSP_LOG_LEVEL", "WARNING"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"],
        help="log level for stderr (default: WARNING)",
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    complete = commands.add_parser(
        "complete", help="print the completion at FILE:LINE:COL (1-based) and exit"
    )
    complete.add_argument("spot", metavar="FILE:LINE:COL", type=spot)
    complete.add_argument(
        "--block",
        action="store_true",
        help="complete the whole block, asking again while replies are cut off by maxTokens",
    )
    evaluate = commands.add_parser(
        "eval",
        help="measure completion quality on your own code: hide code at sampled cursor points "
        "and compare what the model writes with what was there",
    )
    evaluate.add_argument("path", metavar="PATH", help="a source file or a directory")
    evaluate.add_argument("--samples", type=int, default=100, help="cursor points (default: 100)")
    evaluate.add_argument("--seed", type=int, default=0, help="sampling seed (default: 0)")
    evaluate.add_argument(
        "--misses", type=int, default=0, metavar="N", help="also show the first N mismatches"
    )
    fim = commands.add_parser(
        "serve-fim",
        help="serve a fill-in-the-middle completion API on 127.0.0.1 (OpenAI /v1/completions "
        "and Ollama /api/generate) for editors such as Zed",
    )
    fim.add_argument("--port", type=int, required=True, help="port to listen on (0: any free)")
    doctor = commands.add_parser(
        "doctor", help="show the effective configuration, try one tiny completion, give a verdict"
    )
    doctor.add_argument(
        "--settings", metavar="JSON", default="{}", help="editor settings to apply on top"
    )
    return parser


def _doctor(
    settings: Settings, files: list[config.ConfigFile], warnings: list[str], editor_json: str
) -> int:
    from qwen_lsp import doctor

    try:
        editor = json.loads(editor_json)
        if not isinstance(editor, dict):
            raise ValueError("expected a JSON object")
    except ValueError as exc:
        _say(f"qwen-lsp doctor: --settings: {exc}")
        return 2
    settings, errors = settings.merged(editor)
    logs.add_secrets(settings.secrets)
    typing_file = config.typing_memory_path(os.environ)
    return asyncio.run(doctor.run(settings, files, warnings + errors, sys.stdout, typing_file))


def _project_dir(args: argparse.Namespace) -> Path | None:
    """Where a project's .qwen-lsp.toml is looked for: near the file or tree being worked on."""
    if args.command == "complete":
        where: Spot = args.spot
        return where.path.parent
    if args.command == "eval":
        path = Path(args.path)
        return path if path.is_dir() else path.parent
    return None


def _serve_fim(settings: Settings, port: int) -> int:
    from qwen_lsp.fim.server import serve

    if blocker := settings.blocker:
        _say(f"qwen-lsp serve-fim: {blocker}")
        return 2
    return serve(settings, port)


class BadInput(Exception):
    """A file or position ``complete`` cannot work on; the message says why."""


async def _complete(settings: Settings, where: Spot, block: bool) -> int:
    from qwen_lsp.engine import CompletionTask, Engine
    from qwen_lsp.engine.context.exclude import Exclusion
    from qwen_lsp.engine.context.gitignore import GitIgnored
    from qwen_lsp.languages import language_of

    name = str(where.path)
    try:
        text = _read_text(where.path)
        offset = _offset(text, where)
    except BadInput as exc:
        _say(f"qwen-lsp complete: {name}: {exc}")
        return 2
    if blocker := settings.blocker:
        _say(f"qwen-lsp complete: {blocker}")
        return 2
    if reason := await Exclusion.of(settings, GitIgnored()).reason(name, text):
        _say(f"qwen-lsp complete: {name} is never sent: {reason}.")
        return 2
    failures: list[str] = []
    engine = Engine(settings, on_status=lambda s: failures.append(s.message) if s.failing else None)
    task = CompletionTask(
        uri=where.path.resolve().as_uri(),
        text=text,
        offset=offset,
        path=name,
        language_id=language_of(name),
        invoked=True,
    )
    if block:
        result = await engine.complete_block(task)
        completion = result.completion if result else None
    else:
        completion = await engine.complete(task)
    if failures:
        _say(f"qwen-lsp complete: {failures[-1]}")
        return 1
    if completion is not None:
        sys.stdout.write(completion.text + "\n")
    return 0


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(exc.strerror or str(exc)) from None
    try:
        if b"\0" in data:
            raise UnicodeError("it holds NUL bytes")
        return data.decode("utf-8")
    except UnicodeError:
        raise BadInput("not a text file (only UTF-8 text is completed)") from None


def _offset(text: str, where: Spot) -> int:
    """The string offset of a 1-based line and column (columns count characters)."""
    from qwen_lsp.positions import to_offset

    lines = text.split("\n")
    if where.line > len(lines):
        raise BadInput(
            f"line {where.line} is past the end of the file (its last line is {len(lines)})"
        )
    length = len(lines[where.line - 1].rstrip("\r"))
    if where.column > length + 1:
        raise BadInput(
            f"column {where.column} is past the end of line {where.line} "
            f"(the last column is {length + 1})"
        )
    return to_offset(text, where.line - 1, where.column - 1, "utf-32")
