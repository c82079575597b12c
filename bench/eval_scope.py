"""Where suggestions end, per cursor situation and language, against an over-generating oracle.

    python -m bench.eval_scope                                   # this checkout
    python -m bench.eval_scope --baseline ../old/server          # and another one, same samples
    python -m bench.eval_scope --samples 100 --seed 2 --misses 20

Cursor points are sampled by a fixed seed from real code of each language, one set per kind of
the scope table (:mod:`qwen_lsp.evaluation.situations`) plus ``qwen-lsp eval``'s mid-line and
end-of-line kinds. The fake upstream answers each prompt with the hidden code followed by the
rest of the file (``tests/oracle.py``), so every miss is a post-processing or scope mistake.

Sources (a language without them is skipped, saying how to get them): Python's standard library;
JavaScript and TypeScript from npm packages that ship sources, installed outside the repository
(``npm install --prefix /tmp/qwen-lsp-eval-npm express commander axios rxjs zod undici``, or
``$QWEN_LSP_EVAL_NPM``); Go's own sources (Debian ``golang-src``); Rust crates' sources (Debian
``librust-*-dev``, e.g. ``librust-regex-dev librust-serde-dev librust-anyhow-dev``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.oracle_replay import replies
from qwen_lsp.evaluation.sampling import KINDS, SKIP_DIRS, Sample, sample_points
from qwen_lsp.evaluation.situations import SITUATIONS, sample_situations

ALL_KINDS = (*SITUATIONS, *KINDS)
_SKIP = frozenset(
    {"testdata", "vendor", "dist", "build", "bundles", "umd", "esm", "cjs", "types"} | SKIP_DIRS
)
_NPM = Path(os.environ.get("QWEN_LSP_EVAL_NPM", "/tmp/qwen-lsp-eval-npm"))
_NPM_HINT = f"npm install --prefix {_NPM} express commander axios rxjs zod undici"


@dataclass(frozen=True)
class Corpus:
    language: str
    roots: list[Path]
    suffixes: tuple[str, ...]
    hint: str  # how to install the sources when there are none


def corpora() -> list[Corpus]:
    packages = sorted((_NPM / "node_modules").glob("*/package.json"))
    # A package's own sources where it ships them, rather than what it compiled from them.
    npm = [p.parent / "src" if (p.parent / "src").is_dir() else p.parent for p in packages]
    go = sorted(Path("/usr/lib").glob("go*/src")) + sorted(Path("/usr/share").glob("go-*/src"))
    return [
        Corpus("python", [Path(sysconfig.get_paths()["stdlib"])], (".py",), ""),
        Corpus("javascript", npm, (".js", ".mjs", ".cjs"), _NPM_HINT),
        Corpus("typescript", npm, (".ts", ".mts"), _NPM_HINT),
        Corpus("go", go[:1], (".go",), "apt-get install golang-src"),
        Corpus(
            "rust",
            [p for p in [Path("/usr/share/cargo/registry")] if p.is_dir()],
            (".rs",),
            "apt-get install librust-regex-dev librust-serde-dev librust-anyhow-dev",
        ),
    ]


def files_of(corpus: Corpus) -> list[Path]:
    found = []
    for root in corpus.roots:
        for path in sorted(root.rglob("*")):
            parts = set(path.relative_to(root).parts[:-1])
            declaration = path.name.endswith((".d.ts", ".d.mts", ".min.js"))
            if path.suffix in corpus.suffixes and not declaration and not parts & _SKIP:
                found.append(path)
    return found


def sample(files: list[Path], count: int, seed: int) -> list[Sample]:
    return sample_situations(files, count, seed) + sample_points(files, 2 * count, seed)


def baseline_replies(server: str, samples: list[Sample]) -> list[str]:
    """The same samples through another checkout's server, in a process importing it instead."""
    with tempfile.TemporaryDirectory() as directory:
        cases = Path(directory) / "cases.json"
        rows = [[s.path, s.offset, s.end, s.kind] for s in samples]
        cases.write_text(json.dumps(rows), encoding="utf-8")
        root = Path(__file__).parent.parent
        env = {**os.environ, "PYTHONPATH": f"{Path(server).resolve()}{os.pathsep}{root}"}
        command = [sys.executable, "-m", "bench.oracle_replay", str(cases)]
        done = subprocess.run(command, env=env, cwd=root, capture_output=True, check=True)
    return list(json.loads(done.stdout))


def rate(samples: list[Sample], got: list[str], kind: str) -> str:
    pairs = [(s, g) for s, g in zip(samples, got, strict=True) if s.kind == kind]
    if not pairs:
        return "-"
    return f"{sum(s.hidden == g for s, g in pairs) / len(pairs):.1%}"


def misses(samples: list[Sample], got: list[str]) -> Iterator[str]:
    """Each miss, both texts shown from a little before where they part."""
    for s, g in zip(samples, got, strict=True):
        if s.hidden != g:
            line = s.text.count("\n", 0, s.offset) + 1
            same = next(
                (i for i, (a, b) in enumerate(zip(s.hidden, g, strict=False)) if a != b), None
            )
            at = max(0, (min(len(s.hidden), len(g)) if same is None else same) - 40)
            yield (
                f"  {s.kind:12} {s.path}:{line} (from character {at})\n"
                f"    want {s.hidden[at : at + 120]!r}\n    got  {g[at : at + 120]!r}"
            )


def main(args: argparse.Namespace) -> None:
    print(f"exact match per kind, {args.samples} samples per kind and language, seed {args.seed}")
    results = []
    for corpus in corpora():
        files = files_of(corpus)
        if not files:
            print(f"skip {corpus.language}: no sources installed ({corpus.hint})")
            continue
        samples = sample(files, args.samples, args.seed)
        ours = replies(samples)
        base = baseline_replies(args.baseline, samples) if args.baseline else None
        results.append((corpus.language, len(files), samples, ours, base))
    languages = [r[0] for r in results]
    head = "before → after" if args.baseline else "exact"
    print(f"\n| kind ({head}) | " + " | ".join(languages) + " |")
    print("|---" * (len(languages) + 1) + "|")
    for kind in ALL_KINDS:
        cells = []
        for _, _, samples, ours, base in results:
            after = rate(samples, ours, kind)
            cells.append(f"{rate(samples, base, kind)} → {after}" if base else after)
        print(f"| {kind} | " + " | ".join(cells) + " |")
    counts = [f"{len(s)} from {n} files" for _, n, s, _, _ in results]
    print("| samples | " + " | ".join(counts) + " |")
    for language, _, samples, ours, _ in results:
        missed = list(misses(samples, ours))
        if missed:
            print(f"\n{language}: {len(missed)} misses" + (":" if args.misses else ""))
            print("\n".join(missed[: args.misses]))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="per kind and language")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", help="the server folder of another checkout")
    parser.add_argument("--misses", type=int, default=10, help="misses shown per language")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse())
