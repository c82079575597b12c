"""``qwen-lsp doctor``: the effective configuration, one tiny real completion, and a verdict.

Everything printed goes through the same masking as the logs, and the key itself is only ever
described (set or not, and from where), never shown.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from qwen_lsp import __version__
from qwen_lsp.config import ConfigFile
from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle import typing_memory
from qwen_lsp.engine.upstream.client import StreamStats, Upstream, endpoint_url
from qwen_lsp.engine.upstream.dialects import ChatRequest, dialect_for
from qwen_lsp.engine.upstream.errors import UpstreamError, dialect_advice
from qwen_lsp.logs import mask
from qwen_lsp.settings import Settings, setting_fields

PRECEDENCE = "default < preset < user file < project file < env < editor"
PROBE = Prompt("def add(a, b):\n    return", "\n", "doctor.py", "python")
PROBE_MAX_TOKENS = 16


@dataclass
class Probe:
    """What the tiny completion showed."""

    text: str = ""
    latency_ms: float = 0.0
    first_token_ms: float | None = None
    echoed: bool = False
    echo_dropped: bool = False
    error: UpstreamError | None = None


async def run(
    settings: Settings,
    files: Sequence[ConfigFile],
    warnings: Sequence[str],
    out: TextIO,
    typing_file: Path | None = None,
) -> int:
    """Print the report to ``out``; 0 when a completion came back, 1 otherwise."""

    def say(line: str = "") -> None:
        out.write(mask(line) + "\n")

    say(f"qwen-lsp {__version__} doctor")
    say(f"settings (lowest to highest precedence: {PRECEDENCE}):")
    for line in settings_table(settings):
        say("  " + line)
    for config in files:
        say(f"{config.kind}: {config.path} ({'found' if config.found else 'not found'})")
    if typing_file is not None:
        say(f"typing memory: {typing_file} ({typing_state(settings, typing_file)})")
    for warning in warnings:
        say(f"warning: {warning}")
    if refusal := settings.refusal:
        say(f"verdict: FAILED ({refusal.kind.replace('_', ' ')}): {refusal.message}")
        return 1
    say(f"request: POST {request_url(settings)} (dialect {settings.dialect})")
    if blocker := settings.blocker:
        say(f"verdict: FAILED (no key): {blocker}")
        return 1
    probe = await run_probe(settings)
    for line in report(probe, settings):
        say(line)
    return 0 if probe.error is None and probe.text.strip() else 1


def typing_state(settings: Settings, path: Path) -> str:
    """What the debounce will start from (``engine/lifecycle/typing_memory.py``)."""
    if not settings.remember_typing:
        return "off: rememberTyping is false"
    if (rhythm := typing_memory.load(path)) is not None:
        return f"{len(rhythm.edits)} typing gaps kept"
    if path.exists():
        return "unreadable: a new one is written when the server stops"
    return "nothing kept yet"


def settings_table(settings: Settings) -> list[str]:
    """One line per setting: name, value (the key only as set / not set), source."""
    rows = []
    fields = setting_fields()
    width = max(map(len, fields))
    for name, field in fields.items():
        value = getattr(settings, field)
        if field in settings.invalid:
            shown = "(invalid: see the verdict)"
        elif field == "api_key":
            shown = f"set ({len(value)} characters)" if value else "not set"
        elif isinstance(value, tuple):
            shown = ", ".join(value) or "(none)"
        else:
            shown = str(value)
        rows.append(f"{name:<{width}} {shown:<40} {settings.source(field)}")
    return rows


def request_url(settings: Settings) -> str:
    request = dialect_for(settings).build(PROBE)
    if isinstance(request, ChatRequest):
        return endpoint_url(settings.base_url, "chat/completions")
    return endpoint_url(settings.base_url, request.endpoint.path)


async def run_probe(settings: Settings) -> Probe:
    """One tiny completion through the configured dialect, timed."""
    probe_settings = dataclasses.replace(settings, max_tokens=PROBE_MAX_TOKENS)
    upstream = Upstream(probe_settings)
    stats = StreamStats()
    probe = Probe()
    start = time.perf_counter()
    try:
        request = dialect_for(probe_settings).build(PROBE)
        async with aclosing(upstream.stream(request, stats)) as pieces:
            async for piece in pieces:
                if probe.first_token_ms is None:
                    probe.first_token_ms = (time.perf_counter() - start) * 1000
                probe.text += piece
    except UpstreamError as exc:
        probe.error = exc
    finally:
        probe.latency_ms = (time.perf_counter() - start) * 1000
        await upstream.aclose()
    probe.echo_dropped = stats.echoed
    probe.echoed = stats.echoed or probe.text.startswith(PROBE.prefix)
    return probe


def report(probe: Probe, settings: Settings) -> list[str]:
    """The probe's figures and the verdict, with the fix when it failed."""
    if probe.error is not None:
        return [
            f"completion: failed after {probe.latency_ms:.0f} ms",
            f"verdict: FAILED ({probe.error.kind}): {probe.error.message}",
        ]
    first = f"{probe.first_token_ms:.0f} ms" if probe.first_token_ms is not None else "none"
    lines = [
        f"completion: {probe.text.strip()[:60]!r}",
        f"latency: {probe.latency_ms:.0f} ms, first token: {first}",
        f"prefix echoed: {_echo(probe)}",
    ]
    if not probe.text.strip():
        advice = dialect_advice(settings)
        lines.append(f"verdict: FAILED (empty): the model answered with no code. {advice}")
    else:
        lines.append("verdict: OK")
    return lines


def _echo(probe: Probe) -> str:
    if probe.echo_dropped:
        return "yes (expected for this provider; dropped before use)"
    if probe.echoed:
        return "yes (post-processing drops it, but check `dialect`: the wrong one wastes tokens)"
    return "no"
