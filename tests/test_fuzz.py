"""Fuzzing the parts that read untrusted text: the post-processing pipeline (model output) and
the stream parsers (provider bytes). No exceptions; nothing the suffix already has is repeated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_lsp.engine.postprocess import Cursor, clean, is_finished
from qwen_lsp.engine.upstream.client import StreamStats, Upstream, _events
from qwen_lsp.engine.upstream.dialects import ChatRequest
from qwen_lsp.engine.upstream.errors import UpstreamError
from qwen_lsp.settings import Settings
from tests.fake_upstream import FakeUpstream, Reply

CODE_LINES = ["def f(a, b):", "    return a + b", "    x = [1, 2,", "    ]", ")", "}", "",
              "print(f(1, 2))", "\tif x:", "// done"]  # fmt: skip
MARKUP = ["`fence`", "```", "```python", "<think>", "</think>"]  # what the pipeline strips
code = st.lists(st.sampled_from(CODE_LINES), max_size=6).map("\n".join)
marked_up = st.lists(st.sampled_from(CODE_LINES + MARKUP), max_size=6).map("\n".join)
anything = st.text(max_size=80)
languages = st.sampled_from(["python", "javascript", "go", "", "plaintext"])


@settings(max_examples=400, deadline=None)
@given(
    before=marked_up | anything, after=marked_up | anything, raw=marked_up | anything,
    language=languages,
)  # fmt: skip
def test_pipeline_never_raises(before: str, after: str, raw: str, language: str) -> None:
    cursor = Cursor(before, after, language)
    found = clean(raw, cursor)
    is_finished(raw, cursor)
    if found is not None:
        assert found.text
        assert 0 <= found.replace_length <= len(after)


@settings(max_examples=300, deadline=None)
@given(
    before=code.map(lambda text: text + "\n"),
    repeated=st.lists(st.sampled_from([c for c in CODE_LINES if len(c.strip()) > 3]), min_size=1,
                      max_size=3).map("\n".join),
    tail=code,
    language=languages,
)  # fmt: skip
def test_a_reply_that_repeats_the_suffix_does_not_duplicate_it(
    before: str, repeated: str, tail: str, language: str
) -> None:
    """The model writes the code that already follows the cursor: none of it is shown again."""
    after = repeated + "\n" + tail
    found = clean(repeated + "\n", Cursor(before, after, language))
    if found is None:
        return
    first = next(line.strip() for line in after.split("\n") if line.strip())
    assert first not in [line.strip() for line in found.text.split("\n")]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.text(max_size=40) | st.sampled_from(
    ["data: [DONE]", "data: {}", 'data: {"a": 1}', "data:", ": comment", "event: x", "{",
     '{"response": "x", "done": false}', "data: [1, 2]", 'data: "str"', "data: null"]),
    max_size=12))  # fmt: skip
def test_event_parser_yields_only_objects(lines: list[str]) -> None:
    async def source() -> AsyncIterator[str]:
        for line in lines:
            yield line

    async def collect() -> list[object]:
        return [event async for event in _events(source())]

    assert all(isinstance(event, dict) for event in asyncio.run(collect()))


sse_events = st.lists(
    st.sampled_from([
        b'data: {"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": null}]}',
        b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}',
        b'data: {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}',
        b"data: [DONE]", b"data: {not json", b'data: {"choices": 5}', b'data: {"choices": [7]}',
        b'data: {"error": {"message": "boom"}}', b": keep-alive", b"event: ping", b"data:",
        b'data: {"choices": [{"delta": {"content": null}}]}', b"\xff\xfe", b"retry: 10",
    ]) | st.binary(max_size=30),
    max_size=8,
).map(lambda events: b"".join(event + b"\n\n" for event in events))  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=sse_events)
def test_chat_stream_parser_raises_only_upstream_errors(
    upstream: FakeUpstream, body: bytes
) -> None:
    upstream.default = Reply(raw=body)
    client = Upstream(Settings(api_key="k", base_url=upstream.base_url, timeout_ms=5000))

    async def read() -> str:
        text = ""
        try:
            async for piece in client.stream(ChatRequest(messages=[]), StreamStats()):
                assert isinstance(piece, str)
                text += piece
        except UpstreamError as exc:
            assert exc.kind in ("stream", "bad_request", "server")
        finally:
            await client.aclose()
        return text

    asyncio.run(read())
