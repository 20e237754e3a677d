"""The body of ``qa eval``: open or build the index, run the questions with a progress bar, print."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from qa.evalsets import load_eval_set
from qa.settings import DEFAULT_K, DEFAULT_RETRIEVAL, check_k


def eval_args(**overrides) -> argparse.Namespace:
    """The options of ``qa eval`` at their defaults (``overrides`` replace some): what
    :func:`build_assistant` reads, for scripts that evaluate without the command line."""
    defaults = dict(
        model=None, index=None, retrieval=DEFAULT_RETRIEVAL, fusion=None, lexical_weight=None, without_titles=False,
        k=DEFAULT_K, threshold=None, no_short=False, reader=None, reader_head=None, quiet=True,
    )
    return argparse.Namespace(**{**defaults, **overrides})


def build_assistant(args: argparse.Namespace, eval_set):
    """The assistant to evaluate: over the cached index of a SQuAD file, or over ``--index``."""
    from index import Encoder, Store
    from index.settings import default_index_dir
    from qa.assistant import Assistant
    from qa.evaluate import CachedQueries, prepare_index
    from qa.fusion import FusionSettings
    from qa.retriever import DEFAULT_FUSION, Retriever, encoder_for_index

    fusion = DEFAULT_FUSION
    if args.fusion or args.lexical_weight is not None:
        fusion = FusionSettings(method=args.fusion or DEFAULT_FUSION.method, lexical_weight=args.lexical_weight)
    if eval_set.kind == "squad":
        index_dir = prepare_index(
            eval_set, Encoder(args.model), titles=not args.without_titles, progress=False if args.quiet else None
        )
    else:
        index_dir = args.index or default_index_dir()
    store = Store.load(index_dir)
    asker = encoder_for_index(store, args.model)
    cache = index_dir / f"queries-{asker.backend}.npz" if eval_set.kind == "squad" else None  # per question model
    encoder = CachedQueries(asker, cache)
    retriever = Retriever(store, encoder, retrieval=args.retrieval or DEFAULT_RETRIEVAL, fusion=fusion)
    assistant = Assistant(
        retriever, k=args.k, threshold=args.threshold, reader=args.reader, short_answers=not args.no_short,
        reader_head=args.reader_head,
    )
    return assistant, encoder, fusion


def run_eval_command(args: argparse.Namespace) -> int:
    from qa.evaluate import calibration_out_of_fold, fit_calibration, run_eval
    from ui.eval_report import print_out_of_fold, print_report

    check_k(args.k)  # before an index is built or loaded
    eval_set = load_eval_set(args.file).subset(args.sample, seed=args.seed)
    assistant, encoder, fusion = build_assistant(args, eval_set)
    settings = {
        "retrieval": assistant.retriever.retrieval,
        "fusion": asdict(fusion),
        "sample": args.sample,
        "titles": assistant.retriever.manifest.chunking.settings.titles,
        "reader": assistant.extractor.reading is not None,
        "reader_head": getattr(assistant.extractor.reader, "precision", None),
    }
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=args.quiet,
        transient=True,
    ) as progress:
        task = progress.add_task(f"Questions ({eval_set.path.name})", total=len(eval_set.items))
        report = run_eval(
            eval_set,
            assistant,
            k=args.k,
            removal=args.unanswerable_by_removal,
            settings=settings,
            on_step=lambda: progress.advance(task),
        )
    encoder.save()
    if args.failures:
        with args.failures.open("w", encoding="utf-8") as fh:
            for r in report.failures():
                fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    fitted = fit_calibration(report) if args.fit_calibration else None
    compared, not_compared = None, None
    if args.fit_calibration:
        try:
            compared = calibration_out_of_fold(report, folds=2)
        except ValueError as exc:  # too few articles, or a fold of only right (or only wrong) answers
            not_compared = str(exc)
    if args.json:
        out = report.to_dict()
        if fitted:
            out["fitted_calibration"] = fitted
        if compared:
            out["calibration_out_of_fold"] = compared.to_dict()
        elif not_compared:
            out["calibration_out_of_fold"] = {"error": not_compared}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_report(report)
        if fitted:
            print("fitted calibration: " + ", ".join(f"{k}={v:.4f}" for k, v in fitted.items()))
        if compared:
            print_out_of_fold(compared)
        elif not_compared:
            print(f"Platt and isotonic not compared out of fold: {not_compared}")
    return 0
