"""The data report: what a run kept at each stage and what the resulting data looks like.

`collect` reduces a finished run (`RunOutputs`) to plain counts (`RunStats`); `figures` draws them
with matplotlib; `render_html` embeds the figures as base64 PNGs in one self-contained HTML page
(no files beside it, so it can be mailed or attached to a dataset release). The notebook
`notebooks/explore_run.ipynb` calls the same three functions, so page and notebook never diverge.

Figures: the funnel, one row per stage transition with its input and what it kept counted in
one unit (`funnel.funnel_rows`: kept never exceeds its input); relation labels before and after
sampling; label combinations before and after sampling (the point of label-centric sampling is a
flatter curve); the NLI score histogram with the threshold that splits kept from rejected (when
the run has scores); the entity-type distribution of the records; records per theme over all
themes run in this directory.
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
from kg2instruction.dataset.funnel import FunnelRow, funnel_rows
from kg2instruction.dataset.run_outputs import RunOutputs
from kg2instruction.dataset.sampling import combination_entropy

SAMPLE_STAGE = "sample_paragraphs"
RECORDS_STAGE = "build_records"
NLI_COLUMN = "nli_score"
# Scores of every judged triple, kept and dropped; the sampled triples stage has the kept only.
SCORING_STAGE = "score_nli"
TOP_N = 25


@dataclass(frozen=True)
class NliThreshold:
    """The cut-off the split stages applied: the theme's, and how many relations use their own
    (a relation's `nli_threshold`, or a calibrated per-relation threshold of the verifier)."""

    default: float
    per_relation: dict[str, float] = field(default_factory=dict)
    source: str = "theme nli_threshold"

    def label(self) -> str:
        text = f"threshold {self.default:.2f} ({self.source})"
        if self.per_relation:
            values = sorted(self.per_relation.values())
            text += (f"; {len(values)} relation{'s' if len(values) != 1 else ''} use their own, "
                     f"{values[0]:.2f}-{values[-1]:.2f}")
        return text


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
    nli_threshold: NliThreshold | None = None
    entity_types: Counter[str] = field(default_factory=Counter)
    records_per_theme: dict[str, int] = field(default_factory=dict)

    def entropy(self, which: str) -> float:
        combos = self.combinations_before if which == "before" else self.combinations_after
        return combination_entropy(c for c, n in combos.items() for _ in range(n))


def collect(run: RunOutputs, triples_stage: str | None = None,
            nli_threshold: NliThreshold | None = None) -> RunStats:
    """Counts of a run; `triples_stage` = the stage whose triples were sampled (read from the
    sampling stage's `requires` in the manifest when not given); `nli_threshold` = the cut-off
    to draw on the score histogram (read from the run's pipeline and theme when not given)."""
    manifest = run.manifest
    stats = RunStats(manifest.pipeline, manifest.theme, manifest.status, funnel_rows(run))
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
    if stats.nli_scores:
        stats.nli_threshold = nli_threshold or threshold_of_run(run)
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


def threshold_of_run(run: RunOutputs) -> NliThreshold | None:
    """The theme's threshold as the run's pipeline file names the theme (with its overlay), and
    the relations whose threshold differs: their own `nli_threshold`, or the calibrated ones of
    the verifier `nli_filter` names. None when the pipeline or theme can no longer be read (a
    run copied without its project): the histogram then says the threshold is unknown."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.core.theme_ref import load_theme_ref
    from kg2instruction.errors import KG2IError

    try:
        pipeline = load_pipeline(run.base_dir / run.manifest.pipeline_file)
        theme = load_theme_ref(run.manifest.theme, pipeline.themes_dir, pipeline.overlay).theme
    except (KG2IError, OSError):
        return None
    default = getattr(theme, "nli_threshold", None)
    if default is None:
        return None
    own = {rel.label.en: float(rel.nli_threshold)
           for rel in getattr(theme, "relations", ()) if rel.nli_threshold is not None}
    calibrated, source = _calibrated(pipeline), "theme nli_threshold"
    if calibrated is not None:
        source = "theme nli_threshold; the verifier's calibrated thresholds per P-id"
        own.update({f"calibrated {pid}": value for pid, value in calibrated.by_pid.items()})
    return NliThreshold(float(default), own, source)


def _calibrated(pipeline):
    """The calibrated thresholds of the English verifier `nli_filter` is configured with."""
    config = pipeline.config.stages.get("nli_filter") or {}
    model = (config.get("model_by_lang") or {}).get("en", config.get("model"))
    if not model:
        return None
    try:
        from kg2instruction.stages.nli_filter import calibrated_for

        return calibrated_for(model, "en")
    except Exception:      # a model folder gone or unreadable: show the theme's threshold only
        return None


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
    """Share kept per transition (each row in its own unit, so shares compare; counts written
    beside each bar)."""
    rows = stats.funnel[::-1]
    names = [f"{row.stage} ({row.unit})" for row in rows]
    kept = [100 * row.kept_share for row in rows]
    ax.barh(names, kept, label="kept")
    ax.barh(names, [100 - k if row.rows_in else 0 for k, row in zip(kept, rows)], left=kept,
            label="lost", alpha=0.5)
    for index, row in enumerate(rows):
        ax.text(101, index, f"{row.kept:,} of {row.rows_in:,} {row.unit}", va="center",
                fontsize=8)
    ax.set_xlim(0, 160)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("% of the stage's input kept (same unit in and out)")
    ax.set_title(f"Funnel: one row per stage transition ({stats.status})")
    ax.legend(loc="upper center", bbox_to_anchor=(0.3, -0.12), ncol=2)


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
    threshold = stats.nli_threshold
    if threshold is None:
        ax.text(0.02, 0.95, "threshold unknown (pipeline or theme not found)",
                transform=ax.transAxes, va="top")
        return
    if threshold.per_relation:
        values = list(threshold.per_relation.values())
        ax.axvspan(min(values), max(values), color="tab:red", alpha=0.12,
                   label="per-relation thresholds")
    kept = sum(1 for s in stats.nli_scores if s >= threshold.default)
    ax.axvline(threshold.default, color="tab:red", linestyle="--", linewidth=2,
               label=f"threshold {threshold.default:.2f}")
    ax.text(threshold.default, 0.97, f" {threshold.default:.2f}", color="tab:red",
            transform=ax.get_xaxis_transform(), va="top", fontweight="bold")
    ax.set_title(f"NLI entailment scores of the triples ({kept:,} of {len(stats.nli_scores):,} "
                 f">= {threshold.default:.2f})")
    ax.legend(loc="upper right")


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
    """The funnel rows: in, kept and lost in one unit per row; what the stage wrote in its own
    unit, ids it added from other inputs, and its own drop counters as it counted them."""
    rows = "".join(
        f"<tr><td>{html.escape(r.stage)}</td><td>{html.escape(r.unit)}</td>"
        f"<td>{r.rows_in:,}</td><td>{r.kept:,}</td><td>{r.lost:,}</td>"
        f"<td>{100 * r.kept_share:.1f}%</td>"
        f"<td>{r.produced:,} {html.escape(r.produced_unit)}</td>"
        f"<td>{r.added:,}</td>"
        f"<td>{html.escape(', '.join(f'{k}={v:,}' for k, v in r.dropped.items()))}</td></tr>"
        for r in stats.funnel)
    return ("<table class='funnel'><tr><th>stage</th><th>unit</th><th>in</th><th>kept</th>"
            "<th>lost</th><th>kept %</th><th>wrote (own unit)</th><th>added from other "
            "inputs</th><th>stage's drop counters (as counted)</th></tr>"
            f"{rows}</table><p>Each row counts the stage's first input and what it kept in one "
            "unit (the finest id both tables carry), so kept never exceeds in.</p>")


def _caption(name: str, stats: RunStats) -> str:
    if name == "nli" and stats.nli_threshold is not None:
        return f"<p class='threshold'>{html.escape(stats.nli_threshold.label())}</p>"
    return ""


def render_html(stats: RunStats) -> str:
    """A self-contained HTML page with every figure embedded."""
    images = "".join(
        f'<h2>{html.escape(name.replace("_", " "))}</h2>'
        f'<img alt="{html.escape(name)}" src="data:image/png;base64,{_png_base64(fig)}">'
        f"{_caption(name, stats)}"
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
