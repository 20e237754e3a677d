"""The ``qa`` command line: a thin layer over :mod:`index` and :mod:`qa`.

    qa index build [--corpus DIR] [--index DIR] [--model NAME_OR_PATH]
    qa index info  [--index DIR]
    qa index add FILE… [--index DIR]
    qa index remove DOC_ID… [--index DIR]
    qa ask "QUESTION" [--index DIR] [-k N] [--json]
    qa serve [--index DIR] [--host 127.0.0.1] [--port 7860]
    qa eval FILE [--index DIR] [--json] [--failures FILE] [-k N] [--retrieval hybrid] [--sample N]

Exit codes: 0 success (an abstention included), 1 bad input or unusable index, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.settings import CORPUS_ENV, INDEX_ENV, MODEL_ENV, default_corpus_dir, default_index_dir

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _add_index(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--index", type=Path, default=None, metavar="DIR", help=f"index directory (default: ${INDEX_ENV} or .qa/index)"
    )


def _add_model(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--model",
        default=None,
        metavar="NAME_OR_PATH",
        help=f"sentence-transformers model id or local directory {what} "
        f"(default: ${MODEL_ENV} or the bundled multilingual-e5-small)",
    )


def _add_backend(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=("torch", "onnx", "onnx-int8", "onnx-mixed"),
        default=None,
        help="how the model runs (default: $QA_BACKEND or onnx-int8); recorded in the index with the backend "
        "of its questions (fp32 onnx for onnx-int8, else the same)",
    )


def _add_reader(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--reader",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read the first sentences with the question (qa/reader.py): sharper and short answers, "
        "~0.2 s more per question on two cores (default: $QA_READER, else off)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Questions et réponses extractives sur des articles de presse en français, avec citations exactes.",
    )
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    idx = sub.add_parser("index", help="build or inspect the index")
    isub = idx.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    build = isub.add_parser("build", help="(re)build the index from a corpus folder")
    build.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder of .txt/.md articles (default: ${CORPUS_ENV} or ./corpus)",
    )
    _add_index(build)
    _add_model(build, "to embed with")
    build.add_argument("--chunk-size", type=int, default=None, help="chunk size in characters")
    build.add_argument("--chunk-overlap", type=int, default=None, help="overlap between chunks in characters")
    build.add_argument(
        "--no-titles",
        action="store_true",
        help="embed and index the chunks alone (default: each chunk after its article's title)",
    )
    build.add_argument(
        "--factory",
        default=None,
        help="FAISS index factory string, or auto (default: exact search for small corpora, an inverted file above)",
    )
    _add_backend(build)
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    add = isub.add_parser("add", help="add (or replace) articles without re-embedding the others")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".txt/.md article files")
    _add_index(add)
    add.add_argument("--quiet", action="store_true", help="no progress bar")
    remove = isub.add_parser("remove", help="remove articles by id")
    remove.add_argument("doc_ids", nargs="+", metavar="DOC_ID", help="article ids (file names without suffix)")
    _add_index(remove)
    info = isub.add_parser("info", help="describe an index")
    _add_index(info)

    ask = sub.add_parser("ask", help="ask one question")
    ask.add_argument("question")
    _add_index(ask)
    _add_model(ask, "(must be the index's model)")
    ask.add_argument("-k", type=int, default=5, help="number of passages to retrieve and cite (default 5)")
    ask.add_argument("--json", action="store_true", help="print one JSON object (see DESIGN.md)")
    ask.add_argument(
        "--retrieval",
        choices=("dense", "lexical", "hybrid"),
        default="hybrid",
        help="passages by meaning, by words (BM25) or both fused (default: hybrid)",
    )
    _add_reader(ask)

    serve = sub.add_parser("serve", help="serve the web UI")
    _add_index(serve)
    _add_model(serve, "(must be the index's model)")
    serve.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="build the index from this folder first if it is missing",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    _add_reader(serve)
    _add_eval(sub)
    return parser


def _add_eval(sub) -> None:
    ev = sub.add_parser("eval", help="measure answer quality on a question file (JSON lines or SQuAD JSON)")
    ev.add_argument("file", type=Path, help="questions: the project's JSON lines, or SQuAD-format JSON")
    _add_index(ev)
    _add_model(ev, "(JSON lines: must be the index's model)")
    ev.add_argument("-k", type=int, default=5, help="passages the answer is taken from (default 5)")
    ev.add_argument("--retrieval", choices=("dense", "lexical", "hybrid"), default=None, help="default: hybrid")
    ev.add_argument("--fusion", choices=("rrf", "weighted"), default=None, help="hybrid fusion (default: weighted)")
    ev.add_argument(
        "--lexical-weight", type=float, default=None,
        help="weight of BM25 in the fusion (default: 0.03 weighted, 0.5 rrf)",
    )
    ev.add_argument("--threshold", type=float, default=None, help="abstention confidence (default: calibrated)")
    ev.add_argument("--no-short", action="store_true", help="no short answers (the sentence is scored)")
    _add_reader(ev)
    ev.add_argument(
        "--without-titles",
        action="store_true",
        help="SQuAD files: index the contexts alone, without their titles (CNIL's titles are its questions)",
    )
    ev.add_argument(
        "--unanswerable-by-removal",
        action="store_true",
        help="also ask every answerable question with its context left out of the index",
    )
    ev.add_argument("--fit-calibration", action="store_true", help="print the calibration fitted on this run")
    ev.add_argument("--sample", type=int, default=None, metavar="N", help="a fixed random sample of N questions")
    ev.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument("--failures", type=Path, default=None, metavar="FILE", help="write the misses as JSON lines")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")


def _fail(message: str) -> int:
    print(f"qa: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def cmd_index_build(args: argparse.Namespace) -> int:
    from index.build import DEFAULT_FACTORY, build_index
    from index.chunking import ChunkingSettings
    from index.encoder import Encoder
    from qa.render import print_build_summary

    defaults = ChunkingSettings()
    chunking = ChunkingSettings(
        chunk_size=args.chunk_size if args.chunk_size is not None else defaults.chunk_size,
        chunk_overlap=args.chunk_overlap if args.chunk_overlap is not None else defaults.chunk_overlap,
        titles=not args.no_titles,
    )
    corpus = args.corpus or default_corpus_dir()
    index_dir = args.index or default_index_dir()
    summary = build_index(
        corpus,
        index_dir,
        encoder=Encoder(args.model, backend=args.backend),
        chunking=chunking,
        factory=args.factory or DEFAULT_FACTORY,
        progress=False if args.quiet else None,
    )
    print_build_summary(summary)
    return EXIT_OK


def cmd_index_add(args: argparse.Namespace) -> int:
    from index.update import add_articles
    from qa.render import print_update_summary

    summary = add_articles(args.index or default_index_dir(), args.files, progress=False if args.quiet else None)
    print_update_summary(summary)
    return EXIT_OK


def cmd_index_remove(args: argparse.Namespace) -> int:
    from index.update import remove_articles
    from qa.render import print_update_summary

    print_update_summary(remove_articles(args.index or default_index_dir(), args.doc_ids))
    return EXIT_OK


def cmd_index_info(args: argparse.Namespace) -> int:
    from index.store import read_manifest
    from qa.render import print_manifest

    index_dir = args.index or default_index_dir()
    print_manifest(index_dir, read_manifest(index_dir))
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant
    from qa.question import clean_question
    from qa.render import print_answer

    if not 1 <= args.k <= 100:
        return _fail(f"-k must be between 1 and 100, got {args.k}")
    clean_question(args.question)  # reject bad input before loading anything
    assistant = Assistant.load(args.index, model=args.model, k=args.k, retrieval=args.retrieval, reader=args.reader)
    answer = assistant.ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.startup import serve  # loads the model while Gradio imports

    serve(
        index_dir=args.index or default_index_dir(),
        corpus_dir=args.corpus,
        model=args.model,
        host=args.host,
        port=args.port,
        share=args.share,
        reader=args.reader,
    )
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.eval_command import run_eval_command

    return run_eval_command(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from index.article import CorpusError
    from index.store import IndexError_
    from qa.question import QuestionError

    handlers = {"ask": cmd_ask, "serve": cmd_serve, "eval": cmd_eval}
    index_handlers = {
        "build": cmd_index_build,
        "info": cmd_index_info,
        "add": cmd_index_add,
        "remove": cmd_index_remove,
    }
    handler = index_handlers[args.index_command] if args.command == "index" else handlers[args.command]
    try:
        return handler(args)
    except (CorpusError, IndexError_, QuestionError, ValueError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
