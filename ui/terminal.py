"""Terminal rendering for the command line (rich): answers with highlighted citations, the summaries of
index builds and updates, and index manifests. Called by :mod:`ui.cli` and :mod:`ui.startup` only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qa.types import Answer

if TYPE_CHECKING:
    from index.manifest import FaissEntry, Manifest


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def answer_text(answer: Answer) -> Text:
    """The answer line: the verbatim sentence, short answer in bold, or the abstention message."""
    if answer.abstained:
        return Text(answer.text, style="bold yellow")
    span = answer.span
    text = Text("« ", style="bold")
    body = Text(span.text)
    if span.short and span.short_start is not None:
        a, b = span.short_start - span.start, span.short_end - span.start
        body.stylize("bold underline", a, b)
    text.append_text(body)
    text.append(" »", style="bold")
    return text


def print_answer(answer: Answer, *, console: Console | None = None) -> None:
    console = console or _console()
    if answer.understood_question and answer.understood_question != answer.question:
        console.print(Text(f"Question comprise : {answer.understood_question}", style="dim"))
    title = "Pas de réponse" if answer.abstained else f"Réponse (confiance {answer.span.confidence:.0%})"
    console.print(
        Panel(
            answer_text(answer), title=title, title_align="left", border_style="yellow" if answer.abstained else "green"
        )
    )
    if answer.abstained:
        console.print(Text("Passages les plus proches :", style="bold"))
    elif len(answer.supporting_articles) > 1:
        console.print(Text(f"Rapporté par {len(answer.supporting_articles)} articles.", style="italic"))
    for c in answer.citations:
        p = c.passage
        head = Text(f"[{c.rank}] ", style="bold cyan")
        head.append(p.title, style="bold")
        meta = " · ".join(x for x in (p.source, p.date, p.doc_id, f"{p.start}–{p.end}", _score_label(p)) if x)
        head.append(f"\n    {meta}", style="dim")
        console.print(head)
        body = Text(p.text.strip("\n"))
        offset = len(p.text) - len(p.text.lstrip("\n"))
        if c.highlight:
            body.stylize("bold black on yellow", c.highlight[0] - offset, c.highlight[1] - offset)
        console.print(Panel(body, border_style="cyan" if c.highlight else "dim", padding=(0, 1)))


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    """A two-column table, the keys in bold: the summaries and the manifest."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    _console().print(table)


def print_build_summary(summary) -> None:
    """What ``qa index build`` (or ``qa serve`` on a missing index) made."""
    rows = [
        ("dossier", summary.index_dir),
        ("articles", str(summary.articles)),
        ("chunks", str(summary.chunks)),
        ("phrases", str(summary.sentences)),
        ("modèle", summary.model),
        ("dimension", str(summary.dimension)),
        ("index FAISS", summary.factory),
        ("durée", f"{summary.seconds:.1f} s ({summary.chunks_per_second:.1f} chunks/s à l’encodage)"),
    ]
    print_table("Index construit", rows)


def _index_choice(entry: FaissEntry) -> str:
    params = ", ".join(f"{k}={v}" for k, v in entry.params.items())
    auto, rescoring = entry.auto, entry.rescoring
    how = (f"auto : exact jusqu’à {auto.threshold} chunks, {auto.approximate} au-delà" if auto
           else f"demandé : {entry.requested}")
    rescored = (f" ; {rescoring.candidates_per_result} candidats par résultat (≤ {rescoring.max_candidates}) "
                f"re-notés sur les vecteurs exacts" if rescoring else "")
    return (how + (f" ; {params}" if params else "") + rescored
            + (f" ; {entry.removed} entrées retirées filtrées" if entry.removed else ""))


def print_update_summary(summary) -> None:
    """What ``qa index add`` / ``qa index remove`` changed."""
    rows = [
        ("dossier", summary.index_dir),
        ("ajoutés", ", ".join(summary.added) or "—"),
        ("remplacés", ", ".join(summary.replaced) or "—"),
        ("retirés", ", ".join(summary.removed) or "—"),
        ("chunks", f"{summary.chunks} (+{summary.chunks_added}, −{summary.chunks_removed})"),
        ("index FAISS", summary.factory),
        ("durée", f"{summary.seconds:.1f} s"),
    ]
    print_table("Index mis à jour", rows)


def print_manifest(index_dir: Path, manifest: Manifest) -> None:
    """What ``qa index info`` shows of an index."""
    corpus, model, chunking, faiss = manifest.corpus, manifest.model, manifest.chunking.settings, manifest.faiss
    backend = model.backend or "torch"
    rows = [
        ("créé", manifest.created),
        ("articles", str(corpus.articles)),
        ("chunks", str(corpus.chunks)),
        ("phrases", str(corpus.sentences)),
        ("empreinte du corpus", corpus.fingerprint[:16]),
        ("modèle", f"{model.name} ({model.dimension} dimensions)"),
        ("préfixes", ", ".join(f"{k}={v!r}" for k, v in model.prompts.items()) or "aucun"),
        ("découpage", f"{chunking.chunk_size} caractères, chevauchement {chunking.chunk_overlap}"
                      + (", titre de l’article indexé avec chaque chunk" if chunking.titles else "")),
        ("index FAISS", f"{faiss.factory} ({faiss.metric}, {faiss.ntotal} vecteurs)"),
        ("choix de l’index", _index_choice(faiss)),
        ("index lexical", f"BM25 k1={manifest.lexical.k1}, b={manifest.lexical.b} ({manifest.lexical.analyzer})"),
        ("exécution du modèle", f"{backend} (questions : {model.query_backend or backend})"),
        ("mis à jour", manifest.updated or "—"),
        ("versions", ", ".join(f"{k} {v}" for k, v in manifest.versions.items())),
    ]
    print_table(f"Index {index_dir}", rows)


def _score_label(p) -> str:
    return f"similarité {p.similarity:.3f}" if p.similarity is not None else f"score {p.score:.3f}"
