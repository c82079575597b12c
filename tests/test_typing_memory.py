"""The debounce's typing gaps kept between sessions: the file, and servers that share it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from qwen_lsp.engine.lifecycle import typing_memory
from qwen_lsp.engine.lifecycle.debounce import EDITS, PAUSE, Debouncer, Rhythm
from qwen_lsp.engine.lifecycle.policy import Policy
from tests.raw_lsp import RawServer, raw_session
from tests.test_lifecycle_units import Clock, typing

# --- the file ----------------------------------------------------------------------------------


def test_a_rhythm_is_read_back_as_written_to_the_millisecond() -> None:
    rhythm = Rhythm((0.0412345, PAUSE, 0), {"word": (0.04,), "space": (0.3339, 0.5)})
    assert typing_memory.decode(typing_memory.encode(rhythm)) == Rhythm(
        (0.041, PAUSE, 0.0), {"word": (0.04,), "space": (0.334, 0.5)}
    )


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[0.1, 0.2]",
        b'{"edits": [0.1]}',  # no version
        b'{"version": 2, "edits": [0.1]}',
        b'{"version": 1, "edits": 0.1}',
        b'{"version": 1, "edits": [-0.1]}',
        b'{"version": 1, "edits": [1.5]}',  # longer than a pause: not a gap
        b'{"version": 1, "edits": ["0.1"]}',
        b'{"version": 1, "edits": [true]}',
        b'{"version": 1, "edits": [NaN]}',
        b'{"version": 1, "byKind": [0.1]}',
        b'{"version": 1, "byKind": {"word": [0.1, null]}}',
        b"\xff\xfe",
    ],
)
def test_anything_but_a_rhythm_of_this_version_is_refused(content: bytes) -> None:
    with pytest.raises(ValueError):
        typing_memory.decode(content)


def test_kinds_not_known_are_left_out_and_only_the_last_gaps_are_kept() -> None:
    gaps = [index / 1000 for index in range(EDITS + 5)]
    content = {"version": 1, "edits": gaps, "byKind": {"word": [0.1], "emoji": [0.2]}}
    rhythm = typing_memory.decode(json.dumps(content).encode())
    assert rhythm == Rhythm(tuple(gaps[-EDITS:]), {"word": (0.1,)})


def test_a_missing_file_is_nothing_to_recall_and_a_broken_one_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "typing.json"
    assert typing_memory.load(path) is None
    assert not caplog.records
    path.write_bytes(b'{"version": 1, "edits": "fast"}')
    with caplog.at_level(logging.WARNING):
        assert typing_memory.load(path) is None
    assert "not read" in caplog.text
    assert typing_memory.load(tmp_path) is None  # a directory: an OSError, logged as well


def test_a_saved_rhythm_is_read_back_and_leaves_no_other_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "qwen-lsp" / "typing.json"
    rhythm = Rhythm((0.05, 0.3), {"space": (0.3,)})
    assert typing_memory.save(path, rhythm)
    assert typing_memory.save(path, rhythm)  # over the last one
    assert typing_memory.load(path) == rhythm
    assert list(path.parent.iterdir()) == [path]


def test_a_rhythm_that_cannot_be_saved_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "state").write_text("a file where the directory should be")
    with caplog.at_level(logging.WARNING):
        assert not typing_memory.save(tmp_path / "state" / "typing.json", Rhythm((0.1,)))
    assert "not saved" in caplog.text


# --- the debounce ------------------------------------------------------------------------------


def a_session(gaps: list[float]) -> Debouncer:
    """A debouncer that watched ``gaps`` after spaces, each followed by a word and a pause."""
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    for gap in gaps:
        for kind, after in [("space", gap), ("word", 0.04), ("line", PAUSE)]:
            debouncer.at(kind)
            clock.now += after
            debouncer.edited()
    return debouncer


def test_a_debounce_that_recalls_a_rhythm_waits_as_the_one_that_learnt_it() -> None:
    learnt = a_session([0.04, 0.3] * 10)
    fresh, recalled = Debouncer(Policy(120)), Debouncer(Policy(120))
    recalled.recall(learnt.rhythm())
    for kind in ("space", "word", "line", None):
        assert recalled.quiet(kind) == learnt.quiet(kind)
    assert learnt.quiet("space") == pytest.approx(0.375)  # it outlasts the hesitations ...
    assert fresh.quiet("space") == pytest.approx(0.12)  # ... which a fresh one has not seen
    assert recalled.learnt == 0  # what it recalled it did not learn


def test_recalled_gaps_are_older_than_the_sessions_own() -> None:
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    debouncer.edited()
    debouncer.at("word")
    typing(debouncer, clock, [0.07])
    debouncer.recall(Rhythm((0.5,) * EDITS, {"word": (0.5, 0.6), "line": (1.0,)}))
    rhythm = debouncer.rhythm()
    assert rhythm.edits == (0.5,) * (EDITS - 1) + (pytest.approx(0.07),)
    assert rhythm.by_kind == {"word": (0.5, 0.6, pytest.approx(0.07)), "line": (1.0,)}
    assert debouncer.learnt == 1


# --- servers -----------------------------------------------------------------------------------

URI = "file:///work/project/secret_plans.py"
CODE = "launch_code = 'swordfish'\n"


def state_env(state: Path, **more: str) -> dict[str, str]:
    return {"XDG_STATE_HOME": str(state), "LOCALAPPDATA": str(state), **more}


def type_into(server: RawServer, keystrokes: int, version: int = 1) -> None:
    """Open the document (on the first version) and type ``keystrokes`` characters at its end."""
    if version == 1:
        item = {"uri": URI, "languageId": "python", "version": 1, "text": CODE}
        server.notify("textDocument/didOpen", {"textDocument": item})
    for number in range(keystrokes):
        at = {"line": 1, "character": number}
        change = {"range": {"start": at, "end": at}, "text": "x"}
        document = {"uri": URI, "version": version + number + 1}
        params = {"textDocument": document, "contentChanges": [change]}
        server.notify("textDocument/didChange", params)


async def shut_down(server: RawServer, exit_too: bool = True) -> None:
    server.request(90, "shutdown", None)
    assert "error" not in await server.answer(90)
    if exit_too:
        server.notify("exit", None)
        await server.process.wait()


def saved(state: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((state / "qwen-lsp" / "typing.json").read_bytes())
    return data


async def test_typing_gaps_outlive_the_server_and_nothing_of_the_code_does(
    tmp_path: Path,
) -> None:
    async with raw_session(state_env(tmp_path)) as server:
        type_into(server, 6)
        await shut_down(server, exit_too=False)
        first = saved(tmp_path)  # written at the shutdown request: the client may kill us next
        server.notify("exit", None)
        await server.process.wait()
    assert len(first["edits"]) == 5  # six keystrokes, five gaps between them
    raw = (tmp_path / "qwen-lsp" / "typing.json").read_text()
    assert "swordfish" not in raw and "secret_plans" not in raw and "launch" not in raw

    async with raw_session(state_env(tmp_path)) as server:
        type_into(server, 3)
        assert server.process.stdin is not None
        server.process.stdin.close()  # the editor went away without a shutdown
        await server.process.wait()
    assert len(saved(tmp_path)["edits"]) == 5 + 2  # recalled, then learnt on


async def test_remember_typing_off_neither_reads_nor_writes(tmp_path: Path) -> None:
    env = state_env(tmp_path)
    async with raw_session(env, {"rememberTyping": False}) as server:
        type_into(server, 4)
        await shut_down(server)
    assert not (tmp_path / "qwen-lsp").exists()

    path = tmp_path / "qwen-lsp" / "typing.json"
    path.parent.mkdir()
    path.write_bytes(b"broken: a server that read it would say so")
    async with raw_session({**env, "QWEN_LSP_REMEMBER_TYPING": "false"}) as server:
        type_into(server, 4)
        await shut_down(server)
    assert b"typing memory" not in server.stderr
    assert path.read_bytes() == b"broken: a server that read it would say so"


async def test_a_broken_memory_is_reported_and_replaced_by_what_was_learnt(
    tmp_path: Path,
) -> None:
    path = tmp_path / "qwen-lsp" / "typing.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"version": 1, "edits": [0.1, "oops"]}')
    async with raw_session(state_env(tmp_path)) as server:
        type_into(server, 3)
        server.request(5, "workspace/executeCommand", {"command": "qwen-lsp.stats"})
        assert "result" in await server.answer(5)
        await shut_down(server)
    assert b"not read" in server.stderr and b"Traceback" not in server.stderr
    assert len(saved(tmp_path)["edits"]) == 2


async def test_a_server_that_learnt_nothing_leaves_anothers_newer_memory_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "qwen-lsp" / "typing.json"
    typing_memory.save(path, Rhythm((0.2,)))
    async with raw_session(state_env(tmp_path)) as idle:
        async with raw_session(state_env(tmp_path)) as busy:
            type_into(busy, 4)
            await shut_down(busy)
        newer = path.read_bytes()
        await shut_down(idle)  # a window left open, nothing typed in it
    assert len(saved(tmp_path)["edits"]) == 1 + 3
    assert path.read_bytes() == newer
