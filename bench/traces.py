"""Typing traces: what a user types, where and when, and what they end up writing.

A trace is built by a :class:`Typist` with seeded jitter, so every policy replays the same
keystrokes at the same times. Its editor auto-indents; with ``pairs`` it also auto-closes brackets
and quotes as VS Code does by default (the closer goes in with the opener, and typing the closer
moves over it). ``targets`` is the text each file ends up as: the fake model answers
from it (right with the trace's ``accuracy``), the way a good model predicts what you meant.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One keystroke (an edit at the cursor) or a move to another file; each sends a request."""

    at: float  # seconds from the start of the trace
    uri: str
    start: int  # the edit replaces text[start:end] with ``text``; no edit when start == end == -1
    end: int
    text: str
    cursor: int  # offset of the cursor after the step
    pause_after: bool = False  # the user stops here: time to ghost text is measured
    accept: bool = False  # instead of an edit: the ghost text shown is accepted (Tab)


@dataclass(frozen=True)
class Trace:
    name: str
    files: dict[str, str]  # initial text of each file
    targets: dict[str, str]
    steps: tuple[Step, ...]
    accuracy: float  # share of model answers that are what the user goes on to type
    tail: float = 1.5  # seconds to wait after the last step

    @property
    def pauses(self) -> int:
        return sum(step.pause_after and not step.accept for step in self.steps)


@dataclass
class Typist:
    """Builds a trace keystroke by keystroke."""

    seed: int
    files: dict[str, str] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    now: float = 0.3  # leave the server a moment after the files open
    current: str = ""
    pairs: bool = False  # the editor auto-closes brackets and quotes

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._texts: dict[str, str] = {}

    def file(self, uri: str, head: str, body: str, tail: str) -> None:
        """A file the user writes ``body`` into, between ``head`` and ``tail``."""
        self.files[uri] = self._texts[uri] = head + tail
        self.targets[uri] = head + body + tail
        self.cursors[uri] = len(head)
        self.current = self.current or uri

    def type(self, text: str, per_char: float) -> None:
        """Type ``text`` one character at a time; a newline brings its indentation with it."""
        pieces: list[str] = []
        for char in text:
            if pieces and pieces[-1].startswith("\n") and char == " ":
                pieces[-1] += char  # the editor auto-indents
            else:
                pieces.append(char)
        for piece in pieces:
            self._key(piece, per_char)

    def backspace(self, per_char: float) -> None:
        self._edit("", 1, per_char)

    def pause(self, seconds: float) -> None:
        self.steps[-1] = _paused(self.steps[-1])
        self.now += seconds

    def accept(self) -> None:
        """Accept whatever ghost text is shown (the editor knows what that is, not the trace);
        the editor asks again at the end of it."""
        self.now += 0.05
        self.steps.append(Step(self.now, self.current, -1, -1, "", -1, accept=True))

    def switch(self, uri: str) -> None:
        """Move to another file; the editor asks for a completion at its cursor."""
        self.current = uri
        self.now += 0.05
        self.steps.append(Step(self.now, uri, -1, -1, "", self.cursors[uri]))

    def trace(self, name: str, accuracy: float) -> Trace:
        return Trace(name, dict(self.files), dict(self.targets), tuple(self.steps), accuracy)

    def _key(self, piece: str, per_char: float) -> None:
        """One keystroke, as the editor applies it."""
        text, cursor = self._texts[self.current], self.cursors[self.current]
        after, before = text[cursor : cursor + 1], text[cursor - 1 : cursor]
        if self.pairs and piece in CLOSING and after == piece:
            self._edit(piece, 0, per_char, over=1)  # typed over the closer it inserted
        elif self.pairs and piece in PAIRS and _closes_before(piece, before, after):
            self._edit(piece, 0, per_char, closer=PAIRS[piece])
        else:
            self._edit(piece, 0, per_char)

    def _edit(self, text: str, gone: int, per_char: float, over: int = 0, closer: str = "") -> None:
        """Replace ``gone`` characters before the cursor and ``over`` after it with ``text``,
        and ``closer`` after the cursor."""
        uri = self.current
        self.now += per_char * self._rng.uniform(0.6, 1.4)
        cursor = self.cursors[uri]
        old = self._texts[uri]
        self._texts[uri] = old[: cursor - gone] + text + closer + old[cursor + over :]
        self.cursors[uri] = cursor - gone + len(text)
        self.steps.append(
            Step(self.now, uri, cursor - gone, cursor + over, text + closer, self.cursors[uri])
        )


PAIRS = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "`": "`"}
CLOSING = ")]}\"'`"


def _closes_before(opener: str, before: str, after: str) -> bool:
    """VS Code closes a pair before a space, a closer or the line's end, and a quote only when
    it does not follow a word (an apostrophe)."""
    if after and not after.isspace() and after not in CLOSING:
        return False
    return opener not in "\"'`" or not (before.isalnum() or before == "_")


def relocated(trace: Trace, folder: str) -> Trace:
    """``trace`` with its files moved into ``folder`` (a URI path segment)."""

    def moved(uri: str) -> str:
        return uri.replace("file:///bench/", f"file:///bench/{folder}/", 1)

    steps = tuple(dataclasses.replace(step, uri=moved(step.uri)) for step in trace.steps)
    files = {moved(uri): text for uri, text in trace.files.items()}
    targets = {moved(uri): text for uri, text in trace.targets.items()}
    return dataclasses.replace(trace, files=files, targets=targets, steps=steps)


def _paused(step: Step) -> Step:
    return dataclasses.replace(step, pause_after=True)


HEAD = "import math\n\n\ndef {name}:\n    "
TAIL = "\n\ndef main() -> None:\n    print('done')\n"
MEAN = (
    "total = 0\n    for value in values:\n        total += value\n    return total / len(values)\n"
)
CLAMP = "if x < low:\n        return low\n    if x > high:\n        return high\n    return x\n"
NORM = "length = math.sqrt(sum(v * v for v in vector))\n    return [v / length for v in vector]\n"
REPORT = (
    "lo, hi = min(values), max(values)\n    spread = hi - lo\n    middle = (hi + lo) / 2\n"
    "    label = 'spread: ' + str(spread)\n    counts = {'low': lo, 'high': hi}\n"
    "    shown = [label, middle, counts]\n    return shown\n"
)
SPREAD = (
    "lo, hi = min(values), max(values)\n    label = 'spread: ' + str(hi - lo)\n"
    '    counts = {"low": lo, "high": hi}\n    return [label, counts[\'low\']]\n'
)


def steady(seed: int = 1, pairs: bool = False) -> Trace:
    """A function typed at 60 ms a character, pausing at each new line."""
    head = HEAD.format(name="mean(values)")
    return _by_lines(seed, pairs, "stats.py", head, MEAN, "steady typing, 60 ms/char, pauses")


def corrections(seed: int = 2, pairs: bool = False) -> Trace:
    """Fast bursts (40 ms a character) with typos fixed by backspace, hesitating between words.

    Each line's indentation comes with the newline before it (the editor auto-indents), and the
    user pauses at the start of every new line.
    """
    typist = Typist(seed, pairs=pairs)
    typist.file("file:///bench/clamp.py", HEAD.format(name="clamp(x, low, high)"), CLAMP, TAIL)
    rng = random.Random(seed)
    lines = CLAMP.splitlines(keepends=True)
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        words = line.strip().split(" ")
        for number, word in enumerate(words):
            if len(word) > 2 and rng.random() < 0.5:
                typist.type(word[:2] + "q", 0.04)  # a typo ...
                typist.backspace(0.12)  # ... noticed and fixed
                word = word[2:]
            if number < len(words) - 1:
                typist.type(word + " ", 0.04)
                if rng.random() < 0.3:
                    typist.now += 0.3  # a hesitation, not a pause
            else:
                indent = following[: len(following) - len(following.lstrip())]
                typist.type(word + "\n" + indent, 0.04)
        typist.pause(1.2)
    return typist.trace("bursts with corrections", accuracy=0.5)


def spread(seed: int = 5, pairs: bool = False) -> Trace:
    """Calls, strings, a dict and a list typed at 60 ms a character, pausing at each new line."""
    head = HEAD.format(name="spread(values)")
    return _by_lines(seed, pairs, "spread.py", head, SPREAD, "brackets and quotes, 60 ms/char")


def _by_lines(seed: int, pairs: bool, file: str, head: str, body: str, name: str) -> Trace:
    """``body`` typed into ``file`` at 60 ms a character, pausing at each new line."""
    typist = Typist(seed, pairs=pairs)
    typist.file(f"file:///bench/{file}", head, body, TAIL)
    for line in body.splitlines(keepends=True):
        typist.type(line, 0.06)
        typist.pause(1.2)
    return typist.trace(name, accuracy=0.5)


def along(seed: int = 3, pairs: bool = False) -> Trace:
    """Ask at an empty body, then type exactly the ghost text that appeared."""
    typist = Typist(seed, pairs=pairs)
    typist.file("file:///bench/norm.py", HEAD.format(name="normalise(vector)"), NORM, TAIL)
    typist.switch("file:///bench/norm.py")
    typist.pause(1.2)
    typist.type(NORM, 0.08)
    typist.pause(0.5)
    return typist.trace("typing along a suggestion", accuracy=1.0)


def accepting(seed: int = 6, pairs: bool = False) -> Trace:
    """Ask at an empty body, then accept what is shown, again and again, reading each a moment."""
    typist = Typist(seed, pairs=pairs)
    typist.file("file:///bench/long.py", HEAD.format(name="report(values)"), REPORT, TAIL)
    typist.switch("file:///bench/long.py")
    typist.pause(1.0)
    for _ in range(5):
        typist.accept()
        typist.pause(0.8)
    return typist.trace("accepting what is shown", accuracy=1.0)


def two_files(seed: int = 4, pairs: bool = False) -> Trace:
    """Alternate between two files, a line in each, pausing before every switch."""
    typist = Typist(seed, pairs=pairs)
    a, b = "file:///bench/a.py", "file:///bench/b.py"
    typist.file(a, HEAD.format(name="mean(values)"), MEAN, TAIL)
    typist.file(b, HEAD.format(name="clamp(x, low, high)"), CLAMP, TAIL)
    body = {a: MEAN.splitlines(keepends=True), b: CLAMP.splitlines(keepends=True)}
    for index in range(3):
        for uri in (a, b):
            if typist.current != uri:
                typist.switch(uri)
            typist.type(body[uri][index], 0.06)
            typist.pause(1.0)
    return typist.trace("switching between two files", accuracy=0.5)


TRACES = {
    "steady": steady,
    "corrections": corrections,
    "spread": spread,
    "along": along,
    "accept": accepting,
    "files": two_files,
}
