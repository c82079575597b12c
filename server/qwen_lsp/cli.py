"""Command line: serve LSP on stdio (the default) or complete one spot in a file."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from qwen_lsp import __version__, logs
from qwen_lsp.settings import Settings, from_env

ENVIRONMENT_HELP = """\
environment:
  QWEN_LSP_API_KEY      API key (falls back to DASHSCOPE_API_KEY)
  QWEN_LSP_BASE_URL     OpenAI-compatible endpoint (default: DashScope compatible mode)
  QWEN_LSP_MODEL        model (default: qwen3-coder-flash)
  QWEN_LSP_DEBOUNCE_MS  wait after a keystroke before asking the model (default: 120)
  QWEN_LSP_MAX_TOKENS, QWEN_LSP_TEMPERATURE, QWEN_LSP_TIMEOUT_MS, QWEN_LSP_ENABLE,
  QWEN_LSP_EXCLUDE (comma-separated globs), QWEN_LSP_LOG_LEVEL
Editor settings (initializationOptions, didChangeConfiguration) override these.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logs.setup(args.log_level)
    settings, errors = from_env(os.environ)
    logs.add_secret(settings.api_key)
    for error in errors:
        print(error, file=sys.stderr)
    if args.command == "complete":
        return asyncio.run(_complete(settings, args.spot))
    from qwen_lsp.lsp.server import create_server

    create_server(settings, errors).start_io()
    return 0


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
    complete.add_argument("spot", metavar="FILE:LINE:COL")
    return parser


async def _complete(settings: Settings, spot: str) -> int:
    from qwen_lsp.engine import CompletionTask, Engine
    from qwen_lsp.positions import PositionError, to_offset

    try:
        name, line, column = spot.rsplit(":", 2)
        text = Path(name).read_text(encoding="utf-8")
        offset = to_offset(text, int(line) - 1, int(column) - 1, "utf-32")
    except (ValueError, OSError, PositionError) as exc:
        print(f"qwen-lsp complete: {exc}", file=sys.stderr)
        return 2
    if not settings.api_key:
        print("qwen-lsp complete: no API key; set QWEN_LSP_API_KEY", file=sys.stderr)
        return 2
    failures: list[str] = []
    engine = Engine(
        settings, on_status=lambda s: failures.append(s.message) if s.state == "error" else None
    )
    task = CompletionTask(
        uri=Path(name).resolve().as_uri(),
        text=text,
        offset=offset,
        path=name,
        language_id=_language(name),
        invoked=True,
    )
    completion = await engine.complete(task)
    if failures:
        print(f"qwen-lsp complete: {failures[-1]}", file=sys.stderr)
        return 1
    if completion is not None:
        sys.stdout.write(completion.text + "\n")
    return 0


def _language(name: str) -> str:
    """A language id from the file extension, for the prompt (editors send their own)."""
    suffix = Path(name).suffix.lstrip(".")
    aliases = {"py": "python", "js": "javascript", "ts": "typescript", "rs": "rust", "rb": "ruby"}
    return aliases.get(suffix, suffix)
