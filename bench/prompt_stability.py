"""How much of each prompt a provider can serve from its cache while the user types.

Simulates typing through real files (the largest modules of the installed Python standard
library): at a few cursor sites per file, the true next characters are typed one at a time and a
request is built after every keystroke. For each request it measures the shared-start ratio with
the previous one (the part the provider's prompt cache can serve), the estimated prompt tokens,
and the cost of building the prompt. Baseline, in the same process: a window of the same size
that slides with every keystroke.

    python -m bench.prompt_stability [--files 8] [--typed 200]
"""

from __future__ import annotations

import argparse
import statistics
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from qwen_lsp.engine.context.tokens import ASCII_CHARS_PER_TOKEN, estimate_tokens
from qwen_lsp.engine.context.window import Prompt, build_prompt
from qwen_lsp.engine.lifecycle.shared_start import shared_start_ratio
from qwen_lsp.engine.upstream.dialects import chat_messages
from qwen_lsp.engine.values import CompletionTask
from qwen_lsp.settings import Settings

CACHED_PRICE = 0.2  # DashScope bills implicit cache hits at 20% of the input price
Builder = Callable[[CompletionTask], Prompt]


def stable(task: CompletionTask) -> Prompt:
    return build_prompt(task, Settings.prefix_tokens, Settings.suffix_tokens)


def sliding(task: CompletionTask) -> Prompt:
    """The naive window: the last N characters before the cursor, moving on every keystroke."""
    before = Settings.prefix_tokens * ASCII_CHARS_PER_TOKEN
    after = Settings.suffix_tokens * ASCII_CHARS_PER_TOKEN
    text, offset = task.text, task.offset
    return Prompt(
        text[max(0, offset - before) : offset],
        text[offset : offset + after],
        task.path,
        task.language_id,
    )


def sessions(files: int, typed: int) -> list[list[CompletionTask]]:
    """Per (file, site): the tasks of one typing run, revealing the file's true next text."""
    library = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(library.glob("*.py"), key=lambda p: (-p.stat().st_size, p.name))[:files]
    runs = []
    for source in sources:
        text = source.read_text(encoding="utf-8", errors="replace")
        for fraction in (0.3, 0.6, 0.9):
            site = text.rfind("\n", 0, int(len(text) * fraction)) + 1
            hidden, rest = text[site : site + typed], text[site + typed :]
            runs.append(
                [
                    CompletionTask(
                        uri=source.as_uri(),
                        text=text[:site] + hidden[:n] + rest,
                        offset=site + n,
                        language_id="python",
                        path=str(source),
                    )
                    for n in range(typed + 1)
                ]
            )
    return runs


def measure(builder: Builder, runs: list[list[CompletionTask]]) -> dict[str, float]:
    ratios: list[float] = []
    tokens: list[int] = []
    micros: list[float] = []
    for run in runs:
        previous = None
        for task in run:
            started = time.perf_counter()
            messages = chat_messages(builder(task), partial=True)
            micros.append((time.perf_counter() - started) * 1e6)
            tokens.append(estimate_tokens("".join(m["content"] for m in messages)))
            if previous is not None:
                ratios.append(shared_start_ratio(previous, messages))
            previous = messages
    return {
        "median ratio": statistics.median(ratios),
        "p5 ratio": _quantile(ratios, 0.05),
        ">=0.9": sum(r >= 0.9 for r in ratios) / len(ratios),
        "input cost": statistics.fmean(1 - (1 - CACHED_PRICE) * r for r in ratios),
        "tokens": statistics.median(tokens),
        "build µs p50": statistics.median(micros),
        "build µs p95": _quantile(micros, 0.95),
    }


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--typed", type=int, default=200)
    args = parser.parse_args()
    runs = sessions(args.files, args.typed)
    results = {"stable (ours)": measure(stable, runs), "sliding (baseline)": measure(sliding, runs)}
    columns = list(results["stable (ours)"])
    print(
        f"{len(runs)} typing runs x {args.typed} keystrokes, budgets "
        f"{Settings.prefix_tokens}/{Settings.suffix_tokens} tokens\n"
    )
    print("| strategy | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(_shown(key, row[key]) for key in columns) + " |")
    ours, base = results["stable (ours)"]["input cost"], results["sliding (baseline)"]["input cost"]
    print(
        f"\ninput cost with prompt caching, as a share of uncached: {ours:.2f} (ours) vs "
        f"{base:.2f} (baseline): ratio {ours / base:.2f}"
    )


def _shown(key: str, value: float) -> str:
    if "µs" in key or key == "tokens":
        return f"{value:.0f}"
    return f"{value:.1%}" if key == ">=0.9" else f"{value:.4f}"


if __name__ == "__main__":
    main()
