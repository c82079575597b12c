"""Command line: serve LSP on stdio (the default) or complete one spot in a file."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
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
    for key in (settings.api_key, *settings.provider_keys.values()):
        logs.add_secret(key)
    if args.command == "doctor":
        return _doctor(settings, files, errors, args.settings)
    for error in errors:
        print(error, file=sys.stderr)
    if args.command == "complete":
        return asyncio.run(_complete(settings, args.spot, args.block))
    if args.command == "eval":
        from qwen_lsp.evaluation.report import run

        root = Path(args.path)
        return asyncio.run(run(settings, root, args.samples, args.seed, sys.stdout, args.misses))
    from qwen_lsp.lsp import stdio
    from qwen_lsp.lsp.server import create_server

    def reload(root: Path) -> tuple[Settings, list[str]]:
        settings, errors, _ = config.load(os.environ, root)
        return settings, errors

    return stdio.serve(
        create_server(settings, errors, reload, config.typing_memory_path(os.environ))
    )


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
        print(f"qwen-lsp doctor: --settings: {exc}", file=sys.stderr)
        return 2
    settings, errors = settings.merged(editor)
    logs.add_secret(settings.api_key)
    typing_file = config.typing_memory_path(os.environ)
    return asyncio.run(doctor.run(settings, files, warnings + errors, sys.stdout, typing_file))


def _project_dir(args: argparse.Namespace) -> Path | None:
    """Where a project's .qwen-lsp.toml is looked for: near the file or tree being worked on."""
    if args.command == "complete":
        return Path(args.spot.rsplit(":", 2)[0]).parent
    if args.command == "eval":
        path = Path(args.path)
        return path if path.is_dir() else path.parent
    return None


async def _complete(settings: Settings, spot: str, block: bool) -> int:
    from qwen_lsp.engine import CompletionTask, Engine
    from qwen_lsp.languages import language_of
    from qwen_lsp.positions import PositionError, to_offset
    from qwen_lsp.settings import untrusted_message

    try:
        name, line, column = spot.rsplit(":", 2)
        text = Path(name).read_text(encoding="utf-8")
        offset = to_offset(text, int(line) - 1, int(column) - 1, "utf-32")
    except (ValueError, OSError, PositionError) as exc:
        print(f"qwen-lsp complete: {exc}", file=sys.stderr)
        return 2
    if not settings.has_credentials:
        print("qwen-lsp complete: no API key; set QWEN_LSP_API_KEY", file=sys.stderr)
        return 2
    if url := settings.untrusted_base_url:
        print(f"qwen-lsp complete: {untrusted_message(settings, url)}", file=sys.stderr)
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
        language_id=language_of(name),
        invoked=True,
    )
    if block:
        result = await engine.complete_block(task)
        completion = result.completion if result else None
    else:
        completion = await engine.complete(task)
    if failures:
        print(f"qwen-lsp complete: {failures[-1]}", file=sys.stderr)
        return 1
    if completion is not None:
        sys.stdout.write(completion.text + "\n")
    return 0
