"""The data report: what a run kept at each stage and what the resulting data looks like.

`collect` reduces a finished run (`RunOutputs`) to plain counts (`RunStats`); `figures` draws them
with matplotlib; `render_html` embeds the figures as base64 PNGs in one self-contained HTML page
(no files beside it, so it can be mailed or attached to a dataset release). The notebook
`notebooks/explore_run.ipynb` calls the same three functions, so page and notebook never diverge.

Figures: the funnel of every stage (rows in, kept, dropped by reason, from the manifest); relation
labels before and after sampling; label combinations before and after sampling (the point of
label-centric sampling is a flatter curve); the NLI score histogram (when the run has scores); the
entity-type distribution of the records; records per theme over all themes run in this directory.
"""
from __future__ import annotations

import base64
import html
import io
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kg2instruction.atomic import atomic_write_text
from kg2instruction.dataset.run_outputs import RunOutputs
from kg2instruction.dataset.sampling import combination_entropy

SAMPLE_STAGE = "sample_paragraphs"
RECORDS_STAGE = "build_records"
NLI_COLUMN = "nli_score"
# Scores of every judged triple, kept and dropped; the sampled triples stage has the kept only.
SCORING_STAGE = "score_nli"
TOP_N = 25


@dataclass
class FunnelRow:
    stage: str
    rows_in: int
    kept: int
    dropped: dict[str, int]


@dataclass
class RunStats:
    """Everything the report shows, as plain numbers (cheap to inspect in a notebook)."""

    pipeline: str
    theme: str
    status: str
    funnel: list[FunnelRow]
    relations_before: Counter[str] = field(default_factory=Counter)
    relations_after: Counter[str] = field(default_factory=Counter)
    combinations_before: Counter[tuple[str, ...]] = field(default_factory=Counter)
    combinations_after: Counter[tuple[str, ...]] = field(default_factory=Counter)
    nli_scores: list[float] = field(default_factory=list)
    entity_types: Counter[str] = field(default_factory=Counter)
    records_per_theme: dict[str, int] = field(default_factory=dict)

    def entropy(self, which: str) -> float:
        combos = self.combinations_before if which == "before" else self.combinations_after
        return combination_entropy(c for c, n in combos.items() for _ in range(n))


def collect(run: RunOutputs, triples_stage: str | None = None) -> RunStats:
    """Counts of a run; `triples_stage` = the stage whose triples were sampled (read from the
    sampling stage's `requires` in the manifest when not given)."""
    manifest = run.manifest
    stats = RunStats(manifest.pipeline, manifest.theme, manifest.status, [
        FunnelRow(name, r.funnel.records_in, r.funnel.kept, dict(r.funnel.dropped))
        for name, r in manifest.stages.items()])
    if triples_stage is None and SAMPLE_STAGE in manifest.stages:
        triples_stage = manifest.stages[SAMPLE_STAGE].requires[0]
    if triples_stage and run.has(triples_stage):
        triples = run.table(triples_stage)
        labelled = triples.filter(pc.is_valid(triples["relation"]))
        per_paragraph: dict[str, set[str]] = {}
        for pid, label in zip(labelled["paragraph_id"].to_pylist(),
                              labelled["relation"].to_pylist()):
            per_paragraph.setdefault(pid, set()).add(label)
        stats.relations_before = Counter(labelled["relation"].to_pylist())
        stats.combinations_before = Counter(tuple(sorted(s)) for s in per_paragraph.values())
    scored_stage = SCORING_STAGE if run.has(SCORING_STAGE) else triples_stage
    if scored_stage and run.has(scored_stage):
        scored = run.table(scored_stage)
        if NLI_COLUMN in scored.column_names:
            stats.nli_scores = [s for s in scored[NLI_COLUMN].to_pylist() if s is not None]
    if run.has(SAMPLE_STAGE):
        labels = run.table(SAMPLE_STAGE, ["labels"])["labels"].to_pylist()
        stats.combinations_after = Counter(tuple(sorted(x)) for x in labels if x)
    if run.has(RECORDS_STAGE):
        records = run.table(RECORDS_STAGE, ["provenance", "entity_category"]).to_pylist()
        stats.relations_after = Counter(
            p["relation_en"] for r in records
            for p in {(x["head"], x["relation_en"], x["tail"]): x
                      for x in r["provenance"]}.values())
        stats.entity_types = Counter(c for r in records for c in r["entity_category"])
    stats.records_per_theme = {
        m.theme: m.stages[RECORDS_STAGE].funnel.kept
        for m in run.all_manifests or (manifest,) if RECORDS_STAGE in m.stages}
    return stats


# ---- figures -----------------------------------------------------------------------------------

def _barh(ax: Axes, counts: dict[str, int] | Counter, title: str, empty: str) -> None:
    items = list(Counter(counts).most_common(TOP_N))[::-1]
    ax.set_title(title)
    if not items:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    ax.barh([str(k) for k, _ in items], [v for _, v in items])
    ax.set_xlabel("count")


def plot_funnel(ax: Axes, stats: RunStats) -> None:
    names = [row.stage for row in stats.funnel][::-1]
    kept = [row.kept for row in stats.funnel][::-1]
    dropped = [sum(row.dropped.values()) for row in stats.funnel][::-1]
    ax.barh(names, kept, label="kept (rows out)")
    ax.barh(names, dropped, left=kept, label="dropped", alpha=0.6)
    ax.set_xscale("symlog")
    ax.set_title(f"Funnel of every stage ({stats.status})")
    ax.legend(loc="best")


def plot_relations(ax: Axes, stats: RunStats) -> None:
    labels = [k for k, _ in (stats.relations_before + stats.relations_after).most_common(TOP_N)]
    labels = labels[::-1]
    positions = range(len(labels))
    ax.barh([p + 0.2 for p in positions], [stats.relations_before[k] for k in labels], 0.4,
            label="before sampling (triples)")
    ax.barh([p - 0.2 for p in positions], [stats.relations_after[k] for k in labels], 0.4,
            label="after sampling (distinct facts)")
    ax.set_yticks(list(positions), labels)
    ax.set_title("Relation labels (English names, all languages)")
    ax.legend(loc="best")


def plot_combinations(ax: Axes, stats: RunStats) -> None:
    for which, combos in (("before", stats.combinations_before),
                          ("after", stats.combinations_after)):
        total = sum(combos.values())
        if total:
            shares = [n / total for _, n in combos.most_common()]
            ax.plot(range(1, len(shares) + 1), shares, marker="o", markersize=3,
                    label=f"{which} sampling ({len(combos)} combinations, "
                          f"H={stats.entropy(which):.2f} bits)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("combination rank")
    ax.set_ylabel("share of paragraphs")
    ax.set_title("Label combinations (flatter is better)")
    if stats.combinations_before or stats.combinations_after:
        ax.legend()


def plot_nli(ax: Axes, stats: RunStats) -> None:
    ax.set_title("NLI entailment scores of the triples")
    if not stats.nli_scores:
        ax.text(0.5, 0.5, "no NLI scores in this run", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    ax.hist(stats.nli_scores, bins=20, range=(0.0, 1.0))
    ax.set_xlabel("P(entailment)")


def plot_entity_types(ax: Axes, stats: RunStats) -> None:
    _barh(ax, stats.entity_types, "Entity types (categories) in the records", "no entities")


def plot_themes(ax: Axes, stats: RunStats) -> None:
    _barh(ax, stats.records_per_theme, "Records per theme", "no records")


PLOTS: list[tuple[str, Callable[[Axes, RunStats], None]]] = [
    ("funnel", plot_funnel), ("relations", plot_relations), ("combinations", plot_combinations),
    ("nli", plot_nli), ("entity_types", plot_entity_types), ("themes", plot_themes),
]


def figures(stats: RunStats) -> list[tuple[str, Figure]]:
    """One matplotlib Figure per plot (no pyplot state: safe in servers and tests)."""
    out = []
    for name, plot in PLOTS:
        fig = Figure(figsize=(9, 5), layout="constrained")
        plot(fig.add_subplot(), stats)
        out.append((name, fig))
    return out


def _png_base64(fig: Figure) -> str:
    buffer = io.BytesIO()
    with warnings.catch_warnings():   # CJK labels without a CJK font: boxes, not an error
        warnings.simplefilter("ignore")
        fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _funnel_table(stats: RunStats) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(r.stage)}</td><td>{r.rows_in:,}</td><td>{r.kept:,}</td>"
        f"<td>{html.escape(', '.join(f'{k}={v:,}' for k, v in r.dropped.items()))}</td></tr>"
        for r in stats.funnel)
    return ("<table><tr><th>stage</th><th>rows in</th><th>kept</th><th>dropped</th></tr>"
            f"{rows}</table>")


def render_html(stats: RunStats) -> str:
    """A self-contained HTML page with every figure embedded."""
    images = "".join(
        f'<h2>{html.escape(name.replace("_", " "))}</h2>'
        f'<img alt="{html.escape(name)}" src="data:image/png;base64,{_png_base64(fig)}">'
        for name, fig in figures(stats))
    title = f"KG2Instruction run {stats.pipeline} / {stats.theme}"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            "</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}"
            "td,th{padding:2px 8px;text-align:right}td:first-child{text-align:left}</style>"
            f"</head><body><h1>{html.escape(title)}</h1><p>status: {html.escape(stats.status)}; "
            f"label-combination entropy {stats.entropy('before'):.2f} bits before sampling, "
            f"{stats.entropy('after'):.2f} after.</p>{_funnel_table(stats)}{images}</body></html>")


def write_report(stats: RunStats, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_html(stats))
    return path
