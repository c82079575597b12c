"""JSON-RPC edge cases pygls gets wrong: unreadable requests, futures it never lets go, and a
slow dispatch.

pygls drops a request whose params cannot be read after logging it, so the client waits for an
answer forever. Here it gets a JSON-RPC error response instead, and the problem goes to the log,
not into a popup.

pygls files the future of every async, threaded or generator handler in ``_request_futures`` so
that ``$/cancelRequest`` can find it, but only sending a response takes it out again. Notifications
get no response: the future of every ``didChange`` (a generator handler, under a fresh UUID) and
of every user handler a built-in generator handler yields to stayed forever, nearly 2 KB a
keystroke. Here each future leaves the map once its handler is done.

pygls tells a request from other messages by ``isinstance`` against runtime-checkable
``Protocol`` classes, which inspect the class on every call: 20 µs each, three times a cold
keystroke's. Here whether a message class is a request is learnt once per class.

pygls sends an async handler's answer from the done callback of its task, a loop turn after the
handler returned and behind whatever was scheduled meanwhile. Here the task sends it as the
handler returns; a cancelled or failed handler is still answered the pygls way.

Keystroke traffic is (un)structured directly where cattrs' generic code is slow cold:
``didChange`` messages (``edits.py``) and inline completion answers (``completion.py``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException
from pygls.protocol.json_rpc import RPCRequest

from qwen_lsp.logs import mask
from qwen_lsp.lsp.completion import inline_json
from qwen_lsp.lsp.edits import SplicingProtocol, structured_change

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger(__name__)

_REQUESTS: dict[type, bool] = {}  # message class → whether its messages are requests
_COROUTINES: dict[Callable[..., Any], bool] = {}  # handler → whether it is a coroutine function


class Protocol(SplicingProtocol):
    """The LSP protocol, answering malformed requests with an error instead of silence."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        if (change := structured_change(data)) is not None:
            return change
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                self._send_response(data["id"], error=exc.to_response_error())
            raise

    def _serialize_message(self, data: Any) -> Any:
        if (answer := inline_json(data)) is not None:
            return answer
        return super()._serialize_message(data)

    def handle_message(self, message: Any) -> None:
        """Requests as pygls dispatches them, in a context of their own; the rest through pygls."""
        cls = type(message)
        if (request := _REQUESTS.get(cls)) is None:
            request = _REQUESTS[cls] = isinstance(message, RPCRequest)
        if not request or self._shutdown or message.jsonrpc != self.VERSION:
            super().handle_message(message)
            return
        context = contextvars.copy_context()
        context.run(self._handle_request, message.id, message.method, message.params)

    def _execute_handler(
        self,
        msg_id: str | int,
        handler: Callable[..., Any],
        callback: Callable[[Any], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls' handler execution, forgetting the handler's future once it is done, and
        answering from the handler's own task when it returns."""
        answered = False

        def done(future: Any) -> None:
            if self._request_futures.get(msg_id) is future:  # not a newer request's
                self._request_futures.pop(msg_id, None)
            if not answered:  # cancelled or failed: pygls answers as it does
                callback(future)

        async def answering(*args: Any, **kwargs: Any) -> Any:
            # pygls answers from a done callback, a loop turn after the handler returned, and
            # after whatever was scheduled meanwhile (the stream's tidying up, see the engine).
            nonlocal answered
            result = await handler(*args, **kwargs)
            returned: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            returned.set_result(result)
            callback(returned)
            answered = True
            return result

        if (coroutine := _COROUTINES.get(handler)) is None:
            coroutine = _COROUTINES[handler] = asyncio.iscoroutinefunction(handler)
        if coroutine:  # as pygls runs one, without asking inspect twice a request (cold: 30 µs)
            # pygls files asyncio tasks there too, though it types the map for thread futures.
            future: Any = asyncio.ensure_future(answering(*(args or ()), **(kwargs or {})))
            self._request_futures[msg_id] = future
            future.add_done_callback(done)
        else:
            super()._execute_handler(msg_id, handler, done, args, kwargs)


def report_error(error: Exception, source: ServerErrors) -> None:
    """Instead of pygls' ``showMessage`` per internal error: one line in the log."""
    log.warning("%s: %s", getattr(source, "__name__", source), mask(str(error)))
