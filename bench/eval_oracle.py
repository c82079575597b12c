"""Post-processing against a perfect, over-generating model: how often is the truth kept exactly?

    python -m bench.eval_oracle                  # the project's source and the Python stdlib
    python -m bench.eval_oracle --samples 1000 --seed 3 PATH...

For each corpus, ``qwen-lsp eval``'s sampler hides code at cursor points and the engine runs
against the fake upstream in oracle mode (``tests/oracle.py``): the reply is the hidden code
followed by the rest of the file. A perfect pipeline keeps exactly the hidden code, so every miss
is a post-processing (or scope) mistake.
"""

from __future__ import annotations

import argparse
import asyncio
import sysconfig
from pathlib import Path

from tests.fake_upstream import FakeUpstream
from tests.oracle import Oracle

from qwen_lsp.engine import Engine
from qwen_lsp.evaluation.metrics import edit_similarity, percentile
from qwen_lsp.evaluation.report import Outcome, evaluate
from qwen_lsp.evaluation.sampling import KINDS, sample_points, source_files
from qwen_lsp.settings import Settings

PROJECT = Path(__file__).parent.parent / "server" / "qwen_lsp"


def measure(root: Path, samples: int, seed: int) -> tuple[int, list[Outcome], int]:
    files = source_files(root)
    chosen = sample_points(files, samples, seed)
    oracle = Oracle({s.path: s.text for s in chosen})  # only the sampled files: fast lookups
    with FakeUpstream(oracle) as fake:
        settings = Settings(api_key="oracle", base_url=fake.base_url, request_policy="fixed")
        engine = Engine(settings)
        outcomes = asyncio.run(evaluate(engine, chosen))
    return len(files), outcomes, oracle.unknown


def row(name: str, files: int, outcomes: list[Outcome]) -> str:
    rates = []
    for kind in KINDS:
        group = [o for o in outcomes if o.sample.kind == kind]
        rates.append(f"{sum(o.exact for o in group) / max(1, len(group)):>12.1%}")
    exact = sum(o.exact for o in outcomes) / len(outcomes)
    similarity = sum(edit_similarity(o.got, o.want) for o in outcomes) / len(outcomes)
    p50 = percentile([o.latency_ms for o in outcomes], 50)
    return (
        f"{name:10} {files:>6} {len(outcomes):>7} {''.join(rates)} {exact:>8.1%} "
        f"{similarity:>8.4f} {p50:>7.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpora = [(p.name, p) for p in args.paths] or [
        ("project", PROJECT),
        ("stdlib", Path(sysconfig.get_paths()["stdlib"])),
    ]
    print(f"oracle exact match, {args.samples} samples per corpus, seed {args.seed}")
    print(
        f"{'corpus':10} {'files':>6} {'samples':>7} {'mid-line':>12}{'end-of-line':>12} "
        f"{'exact':>8} {'edit sim':>8} {'p50 ms':>7}"
    )
    for name, root in corpora:
        files, outcomes, unknown = measure(root, args.samples, args.seed)
        print(row(name, files, outcomes) + (f"  ({unknown} prompts unknown)" if unknown else ""))
        for miss in [o for o in outcomes if not o.exact][:3]:
            line = miss.sample.text.count("\n", 0, miss.sample.offset) + 1
            print(f"  miss {miss.sample.path}:{line} want {miss.want[:60]!r} got {miss.got[:60]!r}")


if __name__ == "__main__":
    main()
