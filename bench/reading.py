"""The reading analysis (qa/reading) measured: spaCy models, short answers by type, the abstention signal, time.

    python bench/reading.py                                   # both models, PIAF dev + the news set
    python bench/reading.py --models fr_core_news_md --limit 500

For every PIAF dev question, the gold sentence is the one holding ``answer_start`` (``index.french.sentence_spans``
on the context), the sentence before it is passed for pronouns. Compared, by question type (qui / où / quand /
combien / quel / other), short-answer EM and F1 (``qa.metrics``) of (a) ``qa.short.short_answer`` on that sentence,
(b) ``qa.reading.typed_answer`` alone (None scores 0) and (a+b) the typed answer, else (a); ``s_F1``: (s)
``qa.reading.slots.slot_answer`` alone on the questions expecting no type, ``s_cov`` how often it answers, and
``abs_EM`` / ``abs_F1`` the chain the assistant uses, typed → slot → patterns. ``--fold 0|1``: only the questions
of that fold (by context, ``qa.evalsets.fold_of``: the slot rules were chosen on fold 0's failures).
``b_cov``: share of questions (b) answers; ``b_F1|ans`` and ``a_F1|ans``: both on those questions.
``none_gold`` / ``none_rand``: how often (b) finds nothing of the expected type in the gold sentence / in
another sentence of the same context
(seeded), over the questions expecting a type: rare on the gold sentence, frequent elsewhere is the abstention signal.

Features: each one's mean on the gold sentence and on another sentence. Time: per question, cold caches, the
question and 8 sentences with their previous sentences (analysis and features, which include the typed answer),
p50 / p95, the sentences from the question's context, then from 8 other contexts; and spaCy itself: ms per
sentence in batches of 10 sentences of 25–35 words.
The news set: for its qui / où / quand / combien questions, each evidence sentence of corpus/ with (a) and (b).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import defaultdict

import numpy as np
from common import NEWS_QUESTIONS, ROOT, SHARED_EVAL, load_line

from index.article import load_corpus
from index.french import sentence_spans
from qa.evalsets import fold_of
from qa.metrics import exact_match, f1_score
from qa.reading import analyze_question, analyze_sentences, reading_features, typed_answer
from qa.reading import nlp as reading_nlp
from qa.reading.qtype import wh_phrase
from qa.reading.question import _CACHE as QUESTION_CACHE
from qa.reading.sentence import clear_cache
from qa.reading.slots import slot_answer
from qa.short import short_answer

TYPES = ("qui", "où", "quand", "combien", "quel", "other")
EXAMPLES = [
    ("Qui a remercié Pyongyang pour sa reconnaissance de l’annexion ?", "Il a notamment remercié Pyongyang"),
    ("Qui Lavrov a-t-il rencontré à Pyongyang ?", "Lavrov a également rencontré la ministre"),
    ("Qui Lavrov a-t-il rencontré à Pyongyang ?", "Une rencontre mi-septembre dans l’Extrême-Orient"),
    ("Combien de missiles la Corée du Nord a-t-elle tirés cette année ?", "Le Nord a mené cette année une série"),
]


def bucket(question: str) -> str:
    phrase = wh_phrase(question)
    if phrase is None:
        return "other"
    return phrase.wh if phrase.wh in TYPES else "other"


def load_seconds(name: str) -> float:
    """Import spaCy and load ``name`` in a fresh interpreter (what a first question pays)."""
    code = (
        "import time; t = time.perf_counter(); import spacy; "
        f"spacy.load({name!r}, exclude=['senter'], disable=['lemmatizer']); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def pipe_speed(name: str, sentences: list[str]) -> tuple[float, float]:
    nlp = reading_nlp.load(name)
    pool = [s for s in sentences if 25 <= len(s.split()) <= 35]
    list(nlp.pipe(pool[:20]))
    per = []
    for i in range(20, min(len(pool), 20 + 10 * 60), 10):
        began = time.perf_counter()
        list(nlp.pipe(pool[i : i + 10]))
        per.append((time.perf_counter() - began) * 1000 / len(pool[i : i + 10]))
    return float(np.percentile(per, 50)), float(np.percentile(per, 95))


def piaf_items(limit: int | None) -> list[dict]:
    data = json.loads((SHARED_EVAL / "piaf-v1.1-dev.json").read_text(encoding="utf-8"))
    rng = random.Random(0)
    items = []
    paragraphs = 0
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            fold = fold_of([f"ctx-{paragraphs:04d}"])  # qa.evalsets' doc id of the context
            paragraphs += 1
            context = paragraph["context"]
            spans = sentence_spans(context)
            for qa in paragraph["qas"]:
                answers = qa["answers"]
                if not answers:
                    continue
                at = answers[0]["answer_start"]
                gold = next((i for i, (a, b) in enumerate(spans) if a <= at < b), None)
                if gold is None:
                    continue
                others = [i for i in range(len(spans)) if i != gold]
                items.append(
                    {
                        "question": qa["question"],
                        "refs": [a["text"] for a in answers],
                        "context": context,
                        "spans": spans,
                        "gold": gold,
                        "other": rng.choice(others) if others else None,
                        "fold": fold,
                    }
                )
    return items[:limit] if limit else items


def _sentence(item: dict, i: int | None) -> tuple[str | None, str | None]:
    if i is None:
        return None, None
    a, b = item["spans"][i]
    prev = item["spans"][i - 1] if i > 0 else None
    return item["context"][a:b], (item["context"][prev[0] : prev[1]] if prev else None)


def piaf(name: str, items: list[dict]) -> dict[str, dict[str, list[float]]]:
    rows: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        q = analyze_question(item["question"], model=name)
        gold, gold_prev = _sentence(item, item["gold"])
        other, other_prev = _sentence(item, item["other"])
        texts = [gold] + ([other] if other else [])
        prevs = [gold_prev] + ([other_prev] if other else [])
        analyses = analyze_sentences(texts, previous=prevs, model=name)
        a, b = item["spans"][item["gold"]]
        pattern = short_answer(item["question"], item["context"], a, b)
        pattern_text = pattern.text if pattern else ""
        typed = typed_answer(q, analyses[0])
        typed_text = typed.text if typed else ""
        combined = typed_text or pattern_text
        slot = slot_answer(q, analyses[0]) if q.expected is None else None
        slot_text = slot.text if slot else ""
        chain = typed_text or slot_text or pattern_text
        refs = item["refs"]
        for key in (bucket(item["question"]), "all"):
            row = rows[key]
            row["a_EM"].append(exact_match(pattern_text, refs))
            row["a_F1"].append(f1_score(pattern_text, refs))
            row["b_F1"].append(f1_score(typed_text, refs))
            row["ab_EM"].append(exact_match(combined, refs))
            row["ab_F1"].append(f1_score(combined, refs))
            row["b_cov"].append(float(typed is not None))
            row["abs_EM"].append(exact_match(chain, refs))
            row["abs_F1"].append(f1_score(chain, refs))
            if q.expected is None:
                row["s_F1"].append(f1_score(slot_text, refs))
                row["s_cov"].append(float(slot is not None))
            if typed is not None:
                row["b_F1|ans"].append(f1_score(typed_text, refs))
                row["a_F1|ans"].append(f1_score(pattern_text, refs))
            if q.accepts:
                row["none_gold"].append(float(typed is None))
                if other:
                    row["none_rand"].append(float(typed_answer(q, analyses[1]) is None))
    return rows


def print_piaf(name: str, rows: dict[str, dict[str, list[float]]]) -> None:
    cols = ("a_EM", "a_F1", "b_F1", "ab_EM", "ab_F1", "b_cov", "b_F1|ans", "a_F1|ans", "none_gold", "none_rand")
    cols += ("s_F1", "s_cov", "abs_EM", "abs_F1")
    print(f"\nPIAF dev, gold sentence — {name}")
    print(f"| type | n | {' | '.join(cols)} |")
    print("|---|---:|" + "---:|" * len(cols))
    for key in (*TYPES, "all"):
        row = rows.get(key)
        if not row:
            continue
        cells = [f"{np.mean(row[c]):.3f}" if row[c] else "–" for c in cols]
        print(f"| {key} | {len(row['a_F1'])} | {' | '.join(cells)} |")


def timing(name: str, items: list[dict], n: int, *, scattered: bool, warm: bool = False) -> tuple[float, float]:
    """ms per question, cold: 8 sentences of its context (``scattered``: 8 sentences of 8 other contexts, each
    with a previous sentence of its own, the worst case: 16 sentences to parse) and the question; ``warm``: the
    sentences already read once (the cache), the question not."""
    rng = random.Random(1)
    sample = rng.sample(items, min(n, len(items)))
    ms = []
    for item in sample:
        if not warm:
            clear_cache()
        QUESTION_CACHE.clear()
        texts, prevs = [], []
        if scattered:
            for other in rng.sample(items, 8):
                i = rng.randrange(1, len(other["spans"])) if len(other["spans"]) > 1 else 0
                text, prev = _sentence(other, i)
                texts.append(text)
                prevs.append(prev)
        else:
            for i in range(min(8, len(item["spans"]))):
                text, prev = _sentence(item, i)
                texts.append(text)
                prevs.append(prev)
        if warm:
            analyze_sentences(texts, previous=prevs, model=name)
        began = time.perf_counter()
        q = analyze_question(item["question"], model=name)
        for s in analyze_sentences(texts, previous=prevs, model=name):
            reading_features(q, s)
        ms.append((time.perf_counter() - began) * 1000)
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def feature_means(name: str, items: list[dict]) -> None:
    """Each feature's mean on the gold sentence and on another sentence of the context (questions expecting a
    type): what separates them is what a ranker can use."""
    from qa.reading import FEATURES

    gold: dict[str, list[float]] = defaultdict(list)
    other: dict[str, list[float]] = defaultdict(list)
    for item in items:
        q = analyze_question(item["question"], model=name)
        if not q.accepts or item["other"] is None:
            continue
        (g, gp), (o, op) = _sentence(item, item["gold"]), _sentence(item, item["other"])
        sg, so = analyze_sentences([g, o], previous=[gp, op], model=name)
        for key, value in reading_features(q, sg).items():
            gold[key].append(value)
        for key, value in reading_features(q, so).items():
            other[key].append(value)
    print(f"\nFeatures, mean on the gold sentence vs another sentence of the context (typed questions) — {name}")
    print("| feature | gold | other |")
    print("|---|---:|---:|")
    for key in FEATURES:
        print(f"| {key} | {np.mean(gold[key]):.3f} | {np.mean(other[key]):.3f} |")


def news(name: str) -> list[tuple[str, str, str, str, float, float]]:
    articles = {a.doc_id: a.text for a in load_corpus(ROOT / "corpus")}
    out = []
    for line in NEWS_QUESTIONS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if bucket(row["question"]) not in ("qui", "où", "quand", "combien") or not row["evidence"]:
            continue
        q = analyze_question(row["question"], model=name)
        for ev in row["evidence"]:
            text = articles[ev["doc"]]
            at = text.find(ev["quote"])
            if at < 0:
                continue
            spans = sentence_spans(text)
            i = next(i for i, (a, b) in enumerate(spans) if a <= at < b)
            a, b = spans[i]
            prev = text[spans[i - 1][0] : spans[i - 1][1]] if i else None
            [s] = analyze_sentences([text[a:b]], previous=[prev], model=name)
            pattern = short_answer(row["question"], text, a, b)
            typed = typed_answer(q, s)
            pt, tt = (pattern.text if pattern else ""), (typed.text if typed else "")
            out.append((row["id"], row["question"], pt, tt, f1_score(pt, row["answers"]), f1_score(tt, row["answers"])))
    return out


def examples(name: str) -> list[tuple[str, str, str]]:
    articles = [a.text for a in load_corpus(ROOT / "corpus")]
    out = []
    for question, start in EXAMPLES:
        text = next(t for t in articles if start in t)
        spans = sentence_spans(text)
        at = text.index(start)
        i = next(i for i, (a, b) in enumerate(spans) if a <= at < b)
        prev = text[spans[i - 1][0] : spans[i - 1][1]] if i else None
        [s] = analyze_sentences([text[spans[i][0] : spans[i][1]]], previous=[prev], model=name)
        typed = typed_answer(analyze_question(question, model=name), s)
        shown = f"{typed.text} ({typed.type}, {typed.how})" if typed else "None"
        out.append((question, start + "…", shown))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="fr_core_news_md,fr_core_news_sm")
    parser.add_argument("--limit", type=int, default=None, help="PIAF questions (default: all)")
    parser.add_argument("--timing", type=int, default=200, help="questions timed")
    parser.add_argument("--fold", type=int, choices=(0, 1), default=None, help="PIAF questions of one fold only")
    parser.add_argument("--piaf-only", action="store_true", help="the PIAF table only (no timing, features, news)")
    args = parser.parse_args(argv)
    items = piaf_items(args.limit)
    if args.fold is not None:
        items = [item for item in items if item["fold"] == args.fold]
    print(load_line(), f"PIAF dev: {len(items)} questions with a gold sentence")
    sentences = [item["context"][a:b] for item in items for a, b in item["spans"]]
    sentences = list(dict.fromkeys(sentences))
    for name in args.models.split(","):
        if args.piaf_only:
            print_piaf(name, piaf(name, items))
            continue
        load = load_seconds(name)
        p50, p95 = pipe_speed(name, sentences)
        pipe = f"spaCy pipe (lemmatizer off) {p50:.2f} ms/sentence p50, {p95:.2f} p95"
        print(f"\n== {name}: import + load {load:.2f} s; {pipe}")
        began = time.perf_counter()
        print_piaf(name, piaf(name, items))
        print(f"(analysed in {time.perf_counter() - began:.0f} s) {load_line()}")
        feature_means(name, items)
        for scattered, warm, what in (
            (False, False, "8 sentences of its context, cold"),
            (True, False, "8 sentences of 8 contexts, cold"),
            (True, True, "8 sentences of 8 contexts, sentences cached"),
        ):
            t50, t95 = timing(name, items, args.timing, scattered=scattered, warm=warm)
            print(f"question + {what}: p50 {t50:.1f} ms, p95 {t95:.1f} ms {load_line()}")
        rows = news(name)
        print(f"\nNews set (qui/où/quand/combien), evidence sentences — {name}")
        print("| id | question | (a) short.py | (b) typed | F1 a | F1 b |")
        print("|---|---|---|---|---:|---:|")
        for rid, question, pt, tt, fa, fb in rows:
            print(f"| {rid} | {question} | {pt or '–'} | {tt or '–'} | {fa:.2f} | {fb:.2f} |")
        if rows:
            fa, fb = np.mean([r[4] for r in rows]), np.mean([r[5] for r in rows])
            print(f"| mean | {len(rows)} sentences | | | {fa:.3f} | {fb:.3f} |")
        print("\nExamples of issue 17")
        for question, sentence, shown in examples(name):
            print(f"- {question} / « {sentence} » → {shown}")


if __name__ == "__main__":
    main()
