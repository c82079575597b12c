"""Run sampled cursor points through the engine of whichever ``qwen_lsp`` is imported.

``python -m bench.oracle_replay CASES.json`` prints, as JSON, what the engine inserts for each
case (``[path, cursor, end, kind]``) with the oracle answering. ``bench.eval_scope`` runs it
with another checkout's server first on ``PYTHONPATH`` to compare two versions on one sample;
so this module imports only what every version has.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.fake_upstream import FakeUpstream
from tests.oracle import Oracle

from qwen_lsp.engine import Engine
from qwen_lsp.evaluation.report import evaluate
from qwen_lsp.evaluation.sampling import Sample
from qwen_lsp.settings import Settings


def replies(samples: list[Sample]) -> list[str]:
    """What the engine inserts for each sample, the oracle answering."""
    oracle = Oracle({s.path: s.text for s in samples})
    with FakeUpstream(oracle) as fake:
        settings = Settings(api_key="oracle", base_url=fake.base_url, request_policy="fixed")
        outcomes = asyncio.run(evaluate(Engine(settings), samples))
    return [o.got for o in outcomes]


def main(cases: Path) -> None:
    texts: dict[str, str] = {}
    samples = []
    for path, offset, end, kind in json.loads(cases.read_text(encoding="utf-8")):
        text = texts.setdefault(path, Path(path).read_text(encoding="utf-8"))
        samples.append(Sample(path, text, offset, end, kind))
    print(json.dumps(replies(samples)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
