"""The fake upstream for the VS Code integration test (run.mjs), run from the repository root.

It answers like a model that knows the files under ``--truth``: the rest of the file after the
prompt's prefix (``tests.oracle``), and ``--text`` for any other prompt. Each request is printed
as ``upstream request N (K chars before the cursor): …END-OF-PREFIX``, so the test can count what
reached the provider and a reader can see at which keystroke. Replies stream at ``--ttft``
seconds to the first token and ``--tokens-per-second`` after it (4 characters a token).

    python editors/vscode/integration/upstream.py --port 8787 --truth DIR --text "return a + b"
"""

from __future__ import annotations

import argparse
import itertools
import threading
from pathlib import Path
from typing import Any

from tests.fake_upstream import FakeUpstream, Reply
from tests.oracle import Oracle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--text", default="pass")
    parser.add_argument("--ttft", type=float, default=0.35)
    parser.add_argument("--tokens-per-second", type=float, default=80.0)
    args = parser.parse_args()
    files = {str(path): path.read_text(encoding="utf-8") for path in sorted(args.truth.iterdir())}
    oracle = Oracle(files)
    timing = {"ttft": args.ttft, "chunk_delay": 1 / args.tokens_per_second}
    counter = itertools.count(1)

    def answer(body: dict[str, Any]) -> Reply:
        messages = body.get("messages") or [{}]
        prefix = str(messages[-1].get("content", ""))  # partial mode: the code before the cursor
        where = f"({len(prefix)} chars before the cursor): …{prefix[-40:]!r}"
        print(f"upstream request {next(counter)} {where}", flush=True)
        unknown = oracle.unknown
        reply = oracle(body)
        if oracle.unknown > unknown:
            reply = Reply.text(args.text)
        reply.ttft, reply.chunk_delay = timing["ttft"], timing["chunk_delay"]
        return reply

    with FakeUpstream(answer, port=args.port) as fake:
        print(f"fake upstream at {fake.base_url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
