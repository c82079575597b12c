"""Request lifecycle benchmark: typing traces replayed through the real server, three policies.

    python -m bench.lifecycle                 # all traces, naive / fixed / default, overhead
    python -m bench.lifecycle --ttft 0.8 --tps 40 --traces steady,along
    python -m bench.lifecycle --policies default --editors pairs --baseline /tmp/release

Each trace is replayed keystroke by keystroke by a VS Code-like client (``bench/editor.py``)
through ``python -m qwen_lsp`` over stdio, against the fake upstream with a latency model (time to
first token, tokens per second). Every policy gets a fresh server and a fresh fake, and the same
keystrokes at the same times. Ratios are against ``naive`` from the same run. ``default`` is a
user's first session: nothing learnt. ``default, next session`` is a new server after one that
replayed the trace typed with other jitter and typos, in other files, and stopped: it starts from
the typing gaps that one kept (``engine/lifecycle/typing_memory.py``). ``default, learnt`` is
that earlier trace and this one in the same server.

Each trace is typed by two editors: ``plain`` only auto-indents, ``pairs`` also auto-closes
brackets and quotes as VS Code does by default. ``--baseline DIR`` replays the same policies with
the server of another checkout (``DIR/server``, e.g. the last release unpacked by ``git archive``)
in the same run; ratios are against ``naive``, else against the baseline's row.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from tests.fake_upstream import FakeUpstream

from bench.editor import Editor
from bench.metrics import Result, measure, median, percentile
from bench.oracle import Oracle
from bench.overhead import overhead
from bench.traces import TRACES, Trace, relocated

POLICIES = ("naive", "fixed", "default")
NEXT_SESSION = "default, next session"
LEARNT = "default, learnt"
LEARNT_SEED = 100
EDITORS = {"plain": "auto-indent", "pairs": "auto-indent and auto-closed pairs"}
BASELINE = "baseline: "
Getter = Callable[[Result], float]


def server_env(state: str | os.PathLike[str], server: str | None = None) -> dict[str, str]:
    """The server's environment; ``PYTHONPATH`` is kept, so that ``PYTHONPATH=../old/server``
    measures another checkout's server with this checkout's benchmark (``server`` sets it).
    What the server learns of the typing it keeps in ``state``, never in the user's own state
    directory."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    where = {"XDG_STATE_HOME": str(state), "LOCALAPPDATA": str(state)}
    if server is not None:
        where["PYTHONPATH"] = server
    return {**keep, **where, "PYTHONUNBUFFERED": "1", "QWEN_LSP_API_KEY": "bench-not-a-key"}


async def replay(
    trace: Trace,
    policy: str,
    args: argparse.Namespace,
    earlier: Trace | None = None,
    restart: bool = False,
    server: str | None = None,
) -> Result:
    """``trace`` through a fresh server (``server``: another checkout's). ``earlier`` is
    replayed first, in other files, so the server has learnt the typist (its documents are
    closed before ``trace`` starts); with ``restart``, by a server of its own that stops before
    this one starts."""
    targets = {**(earlier.targets if earlier else {}), **trace.targets}
    oracle = Oracle(targets, trace.accuracy, args.ttft, args.tps)
    with FakeUpstream(oracle) as fake, tempfile.TemporaryDirectory() as state:
        options: dict[str, Any] = {"baseUrl": fake.base_url, "requestPolicy": policy}
        if policy == "fixed":
            options["debounceMs"] = args.fixed_ms
        if earlier is not None and restart:
            editor = await started(state, options, server)
            try:
                await play(editor, earlier)
            finally:
                await editor.stop()
        editor = await started(state, options, server)
        try:
            if earlier is not None and not restart:
                await play(editor, earlier)
                for uri in earlier.files:
                    editor.close(uri)
                editor.answers.clear()
                editor.history.clear()
            warm = len(fake.requests)
            cpu = editor.cpu_seconds()
            await play(editor, trace)
            cpu = editor.cpu_seconds() - cpu
        finally:
            await editor.stop()
        requests = fake.requests[warm:]
        return measure(trace, editor.answers, editor.history, requests, oracle.answers, cpu)


async def started(state: str, options: dict[str, Any], server: str | None = None) -> Editor:
    """A server started and warmed up, keeping what it learns in ``state``."""
    editor = Editor()
    await editor.start(server_env(state, server), options)
    await editor.warm_up()
    return editor


async def play(editor: Editor, trace: Trace) -> None:
    """Open the trace's files, type its steps on time and wait for every answer."""
    for uri, text in trace.files.items():
        editor.open(uri, text)
    await asyncio.sleep(0.2)
    start = time.monotonic()
    for index, step in enumerate(trace.steps):
        await asyncio.sleep(max(0.0, start + step.at - time.monotonic()))
        editor.step(index, step)
    await asyncio.sleep(trace.tail)
    await asyncio.wait_for(editor.settle(), 30)


def ratio(value: float, base: float) -> str:
    return f" ({value / base:.2f}×)" if base else ""


def ms(seconds: float) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:.0f}"


def relative_to(result: Result, base: Result | None) -> Callable[[Getter], str]:
    """Formats a metric of ``result`` as a ratio against ``base`` (nothing without a base)."""

    def rel(get: Getter) -> str:
        return ratio(get(result), get(base)) if base is not None else ""

    return rel


def table(name: str, results: dict[str, Result]) -> str:
    base = results.get("naive", results.get(BASELINE + "default"))
    lines = [
        f"**{name}**",
        "",
        "| policy | upstream requests (per pause) | typed-through answers | tokens streamed "
        "| wasted | prompt tokens | shared prompt start | ghost text p50 / p95 ms (pauses shown) "
        "| accept → next ghost p50 ms (shown): continued / asked "
        "| stale close p50 / max ms (drained) "
        "| server CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for policy, r in results.items():
        against = base if base is not None and base is not r else None

        def rel(
            get: Callable[[Result], float], r: Result = r, against: Result | None = against
        ) -> str:
            return ratio(get(r), get(against)) if against is not None else ""

        lines.append(
            f"| {policy} | {r.requests} ({r.requests / max(1, r.pauses):.1f})"
            f"{rel(lambda x: x.requests)}"
            f" | {r.typed_through}"
            f" | {r.tokens}{rel(lambda x: x.tokens)}"
            f" | {r.wasted} ({100 * r.wasted / max(1, r.tokens):.0f}%)"
            f" | {r.prompt_tokens}{rel(lambda x: x.prompt_tokens)}"
            f" | {100 * r.shared:.0f}%"
            f" | {ms(median(r.latencies))} / {ms(percentile(r.latencies, 0.95))}"
            f" ({len(r.latencies)}/{r.pauses}){rel(lambda x: median(x.latencies))}"
            f" | {ms(median(r.accepts))} ({len(r.accepts)})"
            f" / {ms(median(r.accepts_asked))} ({len(r.accepts_asked)})"
            f" | {ms(median(r.close_delays))} / {ms(max(r.close_delays, default=float('nan')))}"
            f" ({r.drained})"
            f" | {r.cpu:.2f}{rel(lambda x: x.cpu)} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    print(
        f"latency model: TTFT {args.ttft * 1000:.0f} ms, {args.tps:g} tokens/s; "
        f"fixed debounce {args.fixed_ms} ms; default = adaptive (see README)\n"
    )
    for key in filter(None, args.traces.split(",")):
        for editor in filter(None, args.editors.split(",")):
            pairs = editor == "pairs"
            trace = TRACES[key](pairs=pairs)
            results = await compare(
                trace, relocated(TRACES[key](LEARNT_SEED, pairs), "earlier"), args
            )
            counts = f"{trace.pauses} pauses, {len(trace.steps)} requests"
            print(table(f"{trace.name}, {EDITORS[editor]} ({counts})", results))
            print(flush=True)
    if args.overhead_lines:
        with tempfile.TemporaryDirectory() as state:
            print(await overhead(args.overhead_lines, server_env(state)), flush=True)


async def compare(trace: Trace, earlier: Trace, args: argparse.Namespace) -> dict[str, Result]:
    """Every policy's row, then the baseline's (``earlier``: the same typist, one trace before)."""
    results: dict[str, Result] = {}
    servers = [("", None)] + ([(BASELINE, f"{args.baseline}/server")] if args.baseline else [])
    for label, server in servers:
        for policy in args.policies.split(","):
            results[label + policy] = await replay(trace, policy, args, server=server)
            if policy == "default":
                results[label + NEXT_SESSION] = await replay(
                    trace, policy, args, earlier, restart=True, server=server
                )
                results[label + LEARNT] = await replay(trace, policy, args, earlier, server=server)
    return results


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ttft", type=float, default=0.35, help="seconds to first token")
    parser.add_argument("--tps", type=float, default=80.0, help="tokens per second")
    parser.add_argument("--fixed-ms", type=int, default=250, help="the fixed policy's debounce")
    parser.add_argument("--traces", default=",".join(TRACES), help=",".join(TRACES))
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--editors", default=",".join(EDITORS), help=",".join(EDITORS))
    parser.add_argument("--baseline", help="another checkout, replayed in the same run")
    parser.add_argument("--overhead-lines", type=int, default=20_000, help="0: skip")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
