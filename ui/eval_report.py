"""Terminal rendering of ``qa eval`` reports (rich tables): the metrics and the abstention trade-off."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from qa.evaluate import EvalReport

ROWS = (
    ("questions", "questions", "{:.0f}"),
    ("answerable", "answerable", "{:.0f}"),
    ("unanswerable", "unanswerable", "{:.0f}"),
    ("recall@1", "recall@1", "{:.3f}"),
    ("recall@5", "recall@5", "{:.3f}"),
    ("recall@20", "recall@20", "{:.3f}"),
    ("mrr", "MRR", "{:.3f}"),
    ("answer_hit@1", "answer-hit@1", "{:.3f}"),
    ("short_em", "short answer EM", "{:.3f}"),
    ("short_f1", "short answer F1", "{:.3f}"),
    ("short_given", "short answer given", "{:.3f}"),
    ("answerable_abstained", "answerable abstained", "{:.3f}"),
    ("abstention_precision", "abstention precision", "{:.3f}"),
    ("abstention_recall", "abstention recall", "{:.3f}"),
)


def print_report(report: EvalReport, *, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    s = report.settings
    title = f"{report.name} · retrieval {s.get('retrieval')} · k {s.get('k')} · threshold {s.get('threshold'):.3f}"
    table = Table(title=title, title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    for key, label, fmt in ROWS:
        if key in report.metrics:
            table.add_row(label, fmt.format(report.metrics[key]))
    console.print(table)
    if report.trade_off:
        trade = Table(title="Abstention trade-off (confidence threshold)", title_justify="left")
        for name in ("threshold", "answerable answered", "answer-hit@1", "unanswerable abstained"):
            trade.add_column(name, justify="right")
        for row in report.trade_off:
            trade.add_row(
                f"{row.threshold:.2f}", f"{row.answered:.3f}", f"{row.hit:.3f}", f"{row.abstained_unanswerable:.3f}"
            )
        console.print(trade)
