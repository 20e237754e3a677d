"""Terminal rendering of ``qa eval`` reports (rich tables): the metrics, the abstention trade-off, the
reliability of the confidences (and with ``--fit-calibration`` Platt against isotonic out of fold)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from qa.calibration import OutOfFoldCalibration
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
    print_reliability(report, console=console)


def print_reliability(report: EvalReport, *, console: Console | None = None) -> None:
    """Confidence bins → how many answers, their mean confidence, the share right; then the ECE."""
    if not report.reliability:
        return
    console = console or Console(highlight=False)
    table = Table(
        title="Reliability of the confidences (answer sentences, abstained or not)",
        title_justify="left",
    )
    for name in ("confidence", "answers", "mean confidence", "observed accuracy", "gap"):
        table.add_column(name, justify="right")
    for b in report.reliability:
        table.add_row(
            f"{b.low:.1f}–{b.high:.1f}",
            str(b.count),
            f"{b.mean_confidence:.3f}",
            f"{b.accuracy:.3f}",
            f"{b.accuracy - b.mean_confidence:+.3f}",
        )
    console.print(table)
    console.print(f"expected calibration error (ECE, count-weighted over the bins): {report.ece:.4f}")


def print_out_of_fold(compared: OutOfFoldCalibration, *, console: Console | None = None) -> None:
    """Held-out ECE of Platt and isotonic (folds by article), and the one chosen."""
    console = console or Console(highlight=False)
    table = Table(
        title=f"Calibration method, ECE held out ({compared.folds} folds by article)", title_justify="left"
    )
    for name in ("method", "held-out ECE", "fitted on all"):
        table.add_column(name, justify="right" if name != "method" else "left")
    platt, isotonic = compared.platt, compared.isotonic
    table.add_row(
        "platt",
        f"{compared.platt_ece:.4f}",
        f"center={platt.center:.4f}, slope={platt.slope:.2f}, threshold={platt.threshold:.3f}",
    )
    table.add_row(
        "isotonic", f"{compared.isotonic_ece:.4f}", f"{len(isotonic.x)} points, threshold={isotonic.threshold:.3f}"
    )
    console.print(table)
    console.print(f"lower held-out ECE: {compared.best_method}")
