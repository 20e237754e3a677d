"""Terminal rendering for the CLI (rich): answers with highlighted citations, summaries, manifests."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qa.types import Answer


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


def print_build_summary(summary) -> None:
    console = _console()
    table = Table(title="Index construit", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
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
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def _index_choice(idx: dict) -> str:
    params = ", ".join(f"{k}={v}" for k, v in (idx.get("params") or {}).items())
    auto = idx.get("auto")
    how = (f"auto : exact jusqu’à {auto['threshold']} chunks, {auto['approximate']} au-delà" if auto
           else f"demandé : {idx.get('requested', idx.get('factory'))}")
    removed = idx.get("removed_in_faiss")
    rerank = idx.get("rerank") or {}
    rescored = (f" ; {rerank.get('candidates_per_result')} candidats par résultat (≤ {rerank.get('max_candidates')}) "
                f"re-notés sur les vecteurs exacts" if rerank else "")
    return (how + (f" ; {params}" if params else "") + rescored
            + (f" ; {removed} entrées retirées filtrées" if removed else ""))


def print_update_summary(summary) -> None:
    """What ``qa index add`` / ``qa index remove`` changed."""
    console = _console()
    table = Table(title="Index mis à jour", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("dossier", summary.index_dir),
        ("ajoutés", ", ".join(summary.added) or "—"),
        ("remplacés", ", ".join(summary.replaced) or "—"),
        ("retirés", ", ".join(summary.removed) or "—"),
        ("chunks", f"{summary.chunks} (+{summary.chunks_added}, −{summary.chunks_removed})"),
        ("index FAISS", summary.factory),
        ("durée", f"{summary.seconds:.1f} s"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def print_manifest(index_dir: Path, manifest: dict) -> None:
    console = _console()
    table = Table(title=f"Index {index_dir}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    corpus, model, chunking, idx = manifest["corpus"], manifest["model"], manifest["chunking"], manifest["index"]
    rows = [
        ("créé", manifest.get("created", "?")),
        ("articles", str(corpus.get("articles"))),
        ("chunks", str(corpus.get("chunks"))),
        ("phrases", str(corpus.get("sentences"))),
        ("empreinte du corpus", str(corpus.get("fingerprint", ""))[:16]),
        ("modèle", f"{model['name']} ({model['dimension']} dimensions)"),
        ("préfixes", ", ".join(f"{k}={v!r}" for k, v in (model.get("prompts") or {}).items()) or "aucun"),
        ("découpage", f"{chunking.get('chunk_size')} caractères, chevauchement {chunking.get('chunk_overlap')}"
                      + (", titre de l’article indexé avec chaque chunk" if chunking.get("titles") else "")),
        ("index FAISS", f"{idx.get('factory')} ({idx.get('metric')}, {idx.get('ntotal')} vecteurs)"),
        ("choix de l’index", _index_choice(idx)),
        ("exécution du modèle", f"{model.get('backend', 'torch')} (questions : "
                                f"{model.get('query_backend', model.get('backend', 'torch'))})"),
        ("mis à jour", manifest.get("updated", "—")),
        ("versions", ", ".join(f"{k} {v}" for k, v in (manifest.get("versions") or {}).items())),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def _score_label(p) -> str:
    return f"similarité {p.similarity:.3f}" if p.similarity is not None else f"score {p.score:.3f}"
