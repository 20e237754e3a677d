"""The ``qa`` command line: a thin layer over :mod:`index` and :mod:`qa`.

    qa index build [--corpus DIR] [--index DIR] [--model NAME_OR_PATH]
    qa index info  [--index DIR]
    qa index add FILE… [--index DIR]
    qa index remove DOC_ID… [--index DIR]
    qa ask "QUESTION" [--index DIR] [-k N] [--json]
    qa serve [--index DIR] [--host HOST] [--port PORT]
    qa eval FILE [--index DIR] [--json] [--failures FILE] [-k N] [--retrieval MODE] [--sample N]

Choices, defaults and limits come from the library's settings (:mod:`qa.settings`, :mod:`qa.fusion`,
:mod:`index.chunking`, the encoder's backends) and :mod:`ui.settings`; none is typed here.
Exit codes: 0 success (an abstention included), 1 bad input or unusable index, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.chunking import ChunkingSettings
from index.settings import CORPUS_ENV, HOME_ENV, INDEX_ENV, MODEL_ENV, default_corpus_dir, default_index_dir
from qa import __version__
from qa.fusion import DEFAULT_LEXICAL_WEIGHTS, FUSIONS, FusionSettings
from qa.settings import DEFAULT_K, DEFAULT_RETRIEVAL, MAX_K, RETRIEVALS, check_k
from ui.settings import DEFAULT_HOST, DEFAULT_PORT

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
DEFAULT_FUSION_METHOD = FusionSettings().method


def _add_index(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--index", type=Path, default=None, metavar="DIR",
        help=f"index directory (default: ${INDEX_ENV}, else ${HOME_ENV}/index: {default_index_dir()})",
    )


def _add_corpus(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--corpus", type=Path, default=None, metavar="DIR",
        help=f"folder of .txt/.md articles{what} (default: ${CORPUS_ENV} or {default_corpus_dir()})",
    )


def _add_model(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--model", default=None, metavar="NAME_OR_PATH",
        help=f"sentence-transformers model id or local directory {what} "
        f"(default: ${MODEL_ENV} or the bundled multilingual-e5-small)",
    )


def _add_backend(p: argparse.ArgumentParser) -> None:
    from index.models.encoder import BACKEND_ENV, BACKENDS, DEFAULT_BACKEND, QUERY_BACKEND

    queries = ", ".join(f"{q} for {b}" for b, q in QUERY_BACKEND.items())
    p.add_argument(
        "--backend", choices=BACKENDS, default=None,
        help=f"how the model runs (default: ${BACKEND_ENV} or {DEFAULT_BACKEND}); recorded in the index with "
        f"the backend of its questions ({queries}, else the same)",
    )


def _add_reader(p: argparse.ArgumentParser) -> None:
    from index.models.reader import HEAD_ENV
    from qa.reader import READER_ENV

    p.add_argument(
        "--reader", action=argparse.BooleanOptionalAction, default=None,
        help="read the first sentences with the question (qa/reading: the answer's type, who does what), "
        f"re-rank them and give typed short answers; --no-reader is the fast path (default: ${READER_ENV}, else on)",
    )
    p.add_argument(
        "--reader-head", action=argparse.BooleanOptionalAction, default=None,
        help="also read them with the reader's learned head (index/models/reader.py), ~35 ms a sentence on two "
        f"cores (default: ${HEAD_ENV}, else off)",
    )


def _add_k(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-k", type=int, default=DEFAULT_K, help=f"{what} (1 to {MAX_K}, default {DEFAULT_K})")


def _add_retrieval(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--retrieval", choices=RETRIEVALS, default=DEFAULT_RETRIEVAL,
        help=f"passages by meaning, by words (BM25) or both fused (default: {DEFAULT_RETRIEVAL})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Questions et réponses extractives sur des articles de presse en français, avec citations exactes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_index_commands(sub)

    ask = sub.add_parser("ask", help="ask one question")
    ask.add_argument("question")
    _add_index(ask)
    _add_model(ask, "(must be the index's model)")
    _add_k(ask, "number of passages to retrieve and cite")
    ask.add_argument("--json", action="store_true", help="print one JSON object (its fields: see the README)")
    _add_retrieval(ask)
    _add_reader(ask)

    serve = sub.add_parser("serve", help="serve the web UI")
    _add_index(serve)
    _add_model(serve, "(must be the index's model)")
    _add_corpus(serve, " to build the index from first if it is missing")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    _add_reader(serve)
    _add_eval(sub)
    return parser


def _add_index_commands(sub) -> None:
    idx = sub.add_parser("index", help="build or inspect the index")
    isub = idx.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    chunking = ChunkingSettings()
    build = isub.add_parser("build", help="(re)build the index from a corpus folder")
    _add_corpus(build, "")
    _add_index(build)
    _add_model(build, "to embed with")
    build.add_argument(
        "--chunk-size", type=int, default=chunking.chunk_size,
        help=f"chunk size in characters (default {chunking.chunk_size})",
    )
    build.add_argument(
        "--chunk-overlap", type=int, default=chunking.chunk_overlap,
        help=f"overlap between chunks in characters (default {chunking.chunk_overlap})",
    )
    build.add_argument(
        "--no-titles", action="store_true",
        help="embed and index the chunks alone (default: each chunk after its article's title)",
    )
    build.add_argument(
        "--factory", default=None,
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


def _add_eval(sub) -> None:
    ev = sub.add_parser("eval", help="measure answer quality on a question file (JSON lines or SQuAD JSON)")
    ev.add_argument("file", type=Path, help="questions: the project's JSON lines, or SQuAD-format JSON")
    _add_index(ev)
    _add_model(ev, "(JSON lines: must be the index's model)")
    _add_k(ev, "passages the answer is taken from")
    _add_retrieval(ev)
    ev.add_argument(
        "--fusion", choices=FUSIONS, default=None, help=f"hybrid fusion (default: {DEFAULT_FUSION_METHOD})"
    )
    weights = ", ".join(f"{w} {method}" for method, w in DEFAULT_LEXICAL_WEIGHTS.items())
    ev.add_argument(
        "--lexical-weight", type=float, default=None, help=f"weight of BM25 in the fusion (default: {weights})"
    )
    ev.add_argument("--threshold", type=float, default=None, help="abstention confidence (default: calibrated)")
    ev.add_argument("--no-short", action="store_true", help="no short answers (the sentence is scored)")
    _add_reader(ev)
    ev.add_argument(
        "--without-titles", action="store_true",
        help="SQuAD files: index the contexts alone, without their titles (CNIL's titles are its questions)",
    )
    ev.add_argument(
        "--unanswerable-by-removal", action="store_true",
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


def _progress(args: argparse.Namespace) -> bool | None:
    return False if args.quiet else None  # None: a bar on a terminal


def cmd_index_build(args: argparse.Namespace) -> int:
    from index import Encoder, build_index
    from ui.terminal import print_build_summary

    chunking = ChunkingSettings(chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap, titles=not args.no_titles)
    summary = build_index(
        args.corpus or default_corpus_dir(),
        args.index or default_index_dir(),
        encoder=Encoder(args.model, backend=args.backend),
        chunking=chunking,
        progress=_progress(args),
        **({"factory": args.factory} if args.factory else {}),
    )
    print_build_summary(summary)
    return EXIT_OK


def cmd_index_add(args: argparse.Namespace) -> int:
    from index import add_articles
    from ui.terminal import print_update_summary

    print_update_summary(add_articles(args.index or default_index_dir(), args.files, progress=_progress(args)))
    return EXIT_OK


def cmd_index_remove(args: argparse.Namespace) -> int:
    from index import remove_articles
    from ui.terminal import print_update_summary

    print_update_summary(remove_articles(args.index or default_index_dir(), args.doc_ids))
    return EXIT_OK


def cmd_index_info(args: argparse.Namespace) -> int:
    from index.manifest import Manifest
    from ui.terminal import print_manifest

    index_dir = args.index or default_index_dir()
    print_manifest(index_dir, Manifest.read(index_dir))
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant
    from qa.question import clean_question
    from ui.terminal import print_answer

    check_k(args.k)  # reject bad input before loading anything
    clean_question(args.question)
    assistant = Assistant.load(args.index, model=args.model, k=args.k, retrieval=args.retrieval, reader=args.reader,
                               reader_head=args.reader_head)
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
        reader_head=args.reader_head,
    )
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from ui.eval_command import run_eval_command

    return run_eval_command(args)


COMMANDS = {"ask": cmd_ask, "serve": cmd_serve, "eval": cmd_eval}
INDEX_COMMANDS = {"build": cmd_index_build, "info": cmd_index_info, "add": cmd_index_add, "remove": cmd_index_remove}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from index import CorpusError, IndexError_
    from qa.question import QuestionError

    handler = INDEX_COMMANDS[args.index_command] if args.command == "index" else COMMANDS[args.command]
    try:
        return handler(args)
    except (CorpusError, IndexError_, QuestionError, ValueError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
