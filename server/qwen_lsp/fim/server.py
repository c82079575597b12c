"""``qwen-lsp serve-fim``: the engine behind a local fill-in-the-middle HTTP API.

Editors that take ghost text only from their own providers (Zed's edit predictions) or speak a
FIM completion API instead of LSP (Continue, Tabby, twinny) point that provider at
``http://127.0.0.1:PORT``. Each request goes through the same engine as an LSP request: partial
mode upstream, post-processing, cache, budgets. It listens on the loopback interface only: what it
receives is code, and what it sends is the user's key's work.

Endpoints:

- ``POST /v1/completions`` (and ``/completions``): OpenAI's text completion, ``prompt`` with an
  optional ``suffix``, or one ``prompt`` with FIM markers (Zed); ``stream`` as server-sent events.
- ``POST /api/generate``: Ollama's, as Zed's Ollama provider sends it (``raw`` prompt with FIM
  markers, ``stream`` false) or with ``suffix``; streamed as JSON lines unless ``stream`` is false.
- ``GET /v1/models``: the one model name, for clients that list models first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from qwen_lsp.engine import CompletionTask, Engine, Status
from qwen_lsp.engine.context.tokens import estimate_tokens
from qwen_lsp.fim.prompts import Halves, split_prompt
from qwen_lsp.logs import mask
from qwen_lsp.settings import Settings

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
MODEL = "qwen-lsp"
MAX_BODY = 8 << 20  # a request holds one file's code; anything larger is not a completion request
URI = "fim:///request"  # one document: a newer request supersedes an older one, as keystrokes do
TIMEOUT_S = 120.0


class RequestError(Exception):
    """A request this API cannot serve: answered with ``status`` and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    """A cleaned completion and what it cost, in estimated tokens."""

    text: str
    prompt_tokens: int
    completion_tokens: int


class FimService:
    """The engine on an event loop of its own, called from the HTTP server's threads."""

    def __init__(self, settings: Settings) -> None:
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="engine", daemon=True).start()
        self._failure: Status | None = None
        self._engine = self._call(self._start(settings))

    async def _start(self, settings: Settings) -> Engine:
        return Engine(settings, on_status=self._status)

    def _status(self, status: Status) -> None:
        self._failure = status if status.failing else None

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT_S)

    def complete(self, halves: Halves) -> Answer:
        """The completion between the two halves; RequestError when the provider failed."""
        task = CompletionTask(
            uri=URI,
            text=halves.prefix + halves.suffix,
            offset=len(halves.prefix),
            invoked=True,  # the client debounces: its request is the pause
        )
        completion = self._call(self._engine.complete(task))
        if completion is None and (failure := self._failure) is not None:
            raise RequestError(502, mask(failure.message or failure.kind))
        text = completion.text if completion is not None else ""
        tokens_in = estimate_tokens(halves.prefix) + estimate_tokens(halves.suffix)
        return Answer(text, tokens_in, estimate_tokens(text))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


def openai_body(answer: Answer, model: str) -> dict[str, Any]:
    """An OpenAI text completion with every field Zed's parser requires."""
    return {
        "id": f"cmpl-{uuid.uuid4().hex}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "text": answer.text, "finish_reason": "stop", "logprobs": None}],
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        },
    }


def openai_events(answer: Answer, model: str) -> Iterator[bytes]:
    """The same completion as server-sent events: the text, the finish, ``[DONE]``."""
    whole = openai_body(answer, model)
    for text, finish in ((answer.text, None), ("", "stop")):
        event = {**whole, "choices": [{"index": 0, "text": text, "finish_reason": finish}]}
        if finish is None:
            del event["usage"]
        yield f"data: {json.dumps(event)}\n\n".encode()
    yield b"data: [DONE]\n\n"


def ollama_body(answer: Answer, model: str, done: bool = True) -> dict[str, Any]:
    """Ollama's ``/api/generate`` reply (or one line of its stream)."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body: dict[str, Any] = {"model": model, "created_at": created, "response": answer.text}
    body["done"] = done
    if done:
        body |= {"done_reason": "stop", "prompt_eval_count": answer.prompt_tokens}
        body["eval_count"] = answer.completion_tokens
    return body


def ollama_lines(answer: Answer, model: str) -> Iterator[bytes]:
    yield (json.dumps(ollama_body(answer, model, done=False)) + "\n").encode()
    yield (json.dumps(ollama_body(Answer("", 0, 0), model)) + "\n").encode()


def halves_of(body: dict[str, Any]) -> Halves:
    """The code around the cursor from a request body; RequestError for a malformed one."""
    prompt, suffix = body.get("prompt"), body.get("suffix")
    if not isinstance(prompt, str):
        raise RequestError(400, "`prompt` must be a string")
    if suffix is not None and not isinstance(suffix, str):
        raise RequestError(400, "`suffix` must be a string")
    return split_prompt(prompt, suffix)


def _handler(service: FimService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
            else:
                self._json(404, {"error": {"message": f"no such endpoint: {self.path}"}})

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            try:
                body = self._body()
                if path in ("/v1/completions", "/completions"):
                    self._openai(body)
                elif path == "/api/generate":
                    self._ollama(body)
                else:
                    raise RequestError(404, f"no such endpoint: {self.path}")
            except RequestError as error:
                self._json(error.status, {"error": {"message": str(error)}})

        def _body(self) -> dict[str, Any]:
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                raise RequestError(411, "a request body with a Content-Length is needed") from None
            if not 0 <= length <= MAX_BODY:
                self.close_connection = True  # the body stays unread
                raise RequestError(413, f"a request body over {MAX_BODY} bytes")
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError as error:
                raise RequestError(400, f"the body is not JSON: {error}") from None
            if not isinstance(body, dict):
                raise RequestError(400, "the body must be a JSON object")
            return body

        def _openai(self, body: dict[str, Any]) -> None:
            answer, model = service.complete(halves_of(body)), str(body.get("model") or MODEL)
            if body.get("stream") is True:
                self._stream("text/event-stream", openai_events(answer, model))
            else:
                self._json(200, openai_body(answer, model))

        def _ollama(self, body: dict[str, Any]) -> None:
            answer, model = service.complete(halves_of(body)), str(body.get("model") or MODEL)
            if body.get("stream", True) is False:  # Ollama streams unless told not to
                self._json(200, ollama_body(answer, model))
            else:
                self._stream("application/x-ndjson", ollama_lines(answer, model))

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, content_type: str, chunks: Iterator[bytes]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-cache")
            self.close_connection = True  # the stream ends with the connection
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(chunk)

    return Handler


def serve(settings: Settings, port: int, out: TextIO = sys.stderr) -> int:
    """Serve on 127.0.0.1:``port`` (0: any free port) until interrupted."""
    service = FimService(settings)
    try:
        httpd = ThreadingHTTPServer((HOST, port), _handler(service))
    except OSError as error:
        print(f"qwen-lsp serve-fim: cannot listen on {HOST}:{port}: {error}", file=out)
        return 1
    httpd.daemon_threads = True
    print(f"qwen-lsp serve-fim: listening on http://{HOST}:{httpd.server_port}", file=out)
    out.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        service.close()
    return 0
