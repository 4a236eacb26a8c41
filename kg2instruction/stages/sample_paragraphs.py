"""Stage: label-centric sampling of the theme's paragraphs, and their train/dev/test split.

Both need every paragraph at once (a combination's count is global; a page's paragraphs must land
in one split), so this is a reduce stage over the verified triples and the theme routing. A
paragraph of the theme without any triple is a negative, taken at `sampling.negative_rate`. The
split is keyed on the page's subject QID when known (so the English and Chinese articles of one
entity never straddle train and test), else on the page id; on a run so small that a split would
get no page, `assign_splits` moves the nearest page there, so there is always something to test on.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pydantic

from kg2instruction.core import ReduceStage, StageConfig, StageContext, register_stage
from kg2instruction.dataset.sampling import SampleItem, SamplingConfig, label_centric_sample
from kg2instruction.dataset.splits import SplitConfig, assign_splits

# The stage whose triples are final: theme labels, schema constraint, NLI threshold (NLI_TRIPLES).
TRIPLES_STAGE = "nli_filter"
ROUTING_STAGE = "route_themes"

SAMPLE = pa.schema([
    ("paragraph_id", pa.string()),
    ("page_id", pa.string()),
    ("page_key", pa.string()),
    ("split", pa.string()),
    ("labels", pa.list_(pa.string())),   # the paragraph's label combination (sorted, English)
    ("n_triples", pa.int32()),
])


class SampleParagraphsConfig(StageConfig):
    sampling: SamplingConfig = pydantic.Field(default_factory=SamplingConfig)
    splits: SplitConfig = pydantic.Field(default_factory=SplitConfig)


def page_key(page_id: str | None, page_qid: str | None) -> str:
    """What a paragraph's split is decided by: its page's subject, else the page itself."""
    return f"qid:{page_qid}" if page_qid else f"page:{page_id}"


@register_stage
class SampleParagraphs(ReduceStage):
    """TRIPLES + PARAGRAPH_THEMES -> SAMPLE (kept paragraphs, their combination and split)."""

    name = "sample_paragraphs"
    version = "2"      # 2: negative rate as a share of the output; no empty split on tiny runs
    Config = SampleParagraphsConfig
    requires = (TRIPLES_STAGE, ROUTING_STAGE)
    theme_fields = ("theme",)
    key = ("paragraph_id",)
    config: SampleParagraphsConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        routed = inputs[ROUTING_STAGE]
        routed = routed.filter(pc.equal(routed["theme"], ctx.theme.theme)).to_pylist()
        triples = inputs[TRIPLES_STAGE].select(["paragraph_id", "relation"]).to_pylist()
        labels: dict[str, list[str]] = defaultdict(list)
        for t in triples:
            if t["relation"] is not None:
                labels[t["paragraph_id"]].append(t["relation"])
        mine = {r["paragraph_id"] for r in routed}
        # counted apart from the funnel, whose unit is the paragraph
        ctx.count("triples_of_unrouted_paragraphs",
                  n=sum(len(v) for p, v in labels.items() if p not in mine))
        items = [SampleItem.of(r["paragraph_id"], labels.get(r["paragraph_id"], ()))
                 for r in routed]
        kept = set(label_centric_sample(items, self.config.sampling))
        ctx.count("dropped", n=len(items) - len(kept), reason="not_sampled")
        by_id = {it.paragraph_id: it for it in items}
        chosen = [r for r in routed if r["paragraph_id"] in kept]
        keys = {r["paragraph_id"]: page_key(r["page_id"], r["page_qid"]) for r in chosen}
        splits = assign_splits(keys.values(), self.config.splits)
        rows = []
        for r in chosen:
            item = by_id[r["paragraph_id"]]
            key = keys[r["paragraph_id"]]
            rows.append({"paragraph_id": r["paragraph_id"], "page_id": r["page_id"],
                         "page_key": key, "split": splits[key], "labels": list(item.labels),
                         "n_triples": len(labels.get(r["paragraph_id"], ()))})
            ctx.count("paragraphs", reason="negative" if not item.labels else "positive")
        ctx.count("combinations_before", n=len({it.labels for it in items if it.labels}))
        ctx.count("combinations_after",
                  n=len({by_id[p].labels for p in kept if by_id[p].labels}))
        return pa.Table.from_pylist(rows, schema=SAMPLE) if rows else SAMPLE.empty_table()
