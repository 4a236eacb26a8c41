"""Arrow schemas of the tables that flow between stages.

Stages exchange narrow Arrow tables keyed by stable ids (`page_id`, `paragraph_id`, `mention_id`,
`triple_id`). Fixing the schemas here, once, is what lets each stage be written and tested alone.
"""
from __future__ import annotations

import pyarrow as pa

LINK = pa.struct([
    ("start", pa.int32()),       # char offset into the paragraph text (Python str indices)
    ("end", pa.int32()),
    ("anchor", pa.string()),     # == text[start:end]
    ("target", pa.string()),     # normalised target title (first letter upper-cased, '_' -> ' ', no #fragment)
    ("resolved", pa.string()),   # target after following redirects (== target when not a redirect)
])

SPAN = pa.struct([("start", pa.int32()), ("end", pa.int32())])

# One row per paragraph, produced by the Wikipedia reader and the JSONL corpus reader.
PARAGRAPHS = pa.schema([
    ("paragraph_id", pa.string()),   # f"{lang}:{page_id}:{index}" for dumps; the record id for JSONL
    ("page_id", pa.string()),        # dump page id (as string) or corpus page key
    ("rev_id", pa.int64()),          # revision id (null for corpora without one)
    ("lang", pa.string()),           # "en", "zh", ...
    ("title", pa.string()),
    ("page_qid", pa.string()),       # the page's own entity when known (JSONL page_qid; sitelinks later)
    ("section", pa.string()),        # heading path, " > "-joined; "" for the lead
    ("index", pa.int32()),           # paragraph number within the page
    ("text", pa.string()),
    ("links", pa.list_(LINK)),
    ("subject_spans", pa.list_(SPAN)),  # bold mentions of the page's own subject
    ("source", pa.string()),         # dump/corpus id the paragraph came from (provenance)
])

# One row per mention found in a paragraph (identify_mentions). `qid` is set only where the source
# makes it certain (a sitelink, the page's own QID, a repeat of a certain mention, a neighbour label);
# everything else is left to the disambiguation stage.
MENTIONS = pa.schema([
    ("mention_id", pa.string()),     # f"{paragraph_id}:{start}-{end}"
    ("paragraph_id", pa.string()),
    ("start", pa.int32()),
    ("end", pa.int32()),
    ("surface", pa.string()),        # == text[start:end]
    ("source", pa.string()),         # link | subject | repeat | neighbour | nationality | ner |
                                     # time | quantity
    ("ner_label", pa.string()),      # NER label when source == ner (or the value kind), else null
    ("link_target", pa.string()),    # resolved link title for links (and repeats of links), else null
    ("qid", pa.string()),            # certain QID, else null
    ("value", pa.string()),          # normalised value for time/quantity mentions (ISO date, amount)
])

# Mentions after candidate generation and disambiguation (link_entities). Unlinked mentions stay,
# with qid null, so later stages and reports can see what was not resolved.
LINKED_MENTIONS = pa.schema(list(MENTIONS) + [
    ("linked_by", pa.string()),      # sitelink | page | overlap | unique | link_target | unlinked ...
    ("score", pa.float64()),         # tail-label overlap score of the chosen candidate
    ("runner_up_qid", pa.string()),
    ("runner_up_score", pa.float64()),
    ("n_candidates", pa.int32()),
    ("types", pa.list_(pa.string())),  # entity type categories (themes/entity_types.yaml)
])

# One row per candidate triple grounded in a paragraph, with full provenance.
TRIPLES = pa.schema([
    ("triple_id", pa.string()),      # f"{paragraph_id}:{head_mention}|{pid}|{direction}|{tail_mention}"
    ("paragraph_id", pa.string()),
    ("head", pa.string()),           # surface as in the text
    ("head_start", pa.int32()),
    ("head_end", pa.int32()),
    ("head_qid", pa.string()),
    ("head_type", pa.string()),
    ("tail", pa.string()),
    ("tail_start", pa.int32()),
    ("tail_end", pa.int32()),
    ("tail_qid", pa.string()),       # null for value tails
    ("tail_value", pa.string()),     # normalised ISO time / amount for value tails
    ("tail_type", pa.string()),
    ("pid", pa.string()),
    ("direction", pa.string()),      # forward: KG (head pid tail); reverse: KG (tail pid head)
    ("relation", pa.string()),       # theme label (en) after granularity; null before labelling
    ("rule", pa.string()),           # how the triple was produced: kg_pair, time_value, alias, chain...
    ("theme", pa.string()),
    # Added by the matching stage (additive): the mentions each end came from (null for value
    # tails and an implicit subject) and their disambiguation scores, denormalised so a triple's
    # evidence is readable without a join; runner-ups stay in LINKED_MENTIONS by mention id.
    ("head_mention_id", pa.string()),
    ("tail_mention_id", pa.string()),
    ("head_score", pa.float64()),
    ("tail_score", pa.float64()),
    # Evidence (kg2instruction.annotate.evidence): the sentence that can state the triple, as
    # char offsets into the paragraph; how its ends appear there ("sentence": both written in it;
    # "subject_reference": the page subject, named elsewhere, referred to at subject_ref_*).
    # The NLI verifier reads exactly this span.
    ("evidence_start", pa.int32()),
    ("evidence_end", pa.int32()),
    ("evidence_rule", pa.string()),
    ("subject_ref_start", pa.int32()),
    ("subject_ref_end", pa.int32()),
])

# One row per paragraph: the theme its page was routed to (route_themes). Added by the matching
# helper (additive). `theme` is null for pages no rule or classifier could route.
PARAGRAPH_THEMES = pa.schema([
    ("paragraph_id", pa.string()),
    ("page_id", pa.string()),
    ("page_qid", pa.string()),       # the page entity routing used (given, or from the title)
    ("theme", pa.string()),
    ("routed_by", pa.string()),      # class | category | classifier | unrouted
])

# TRIPLES with their NLI verification (score_nli, nli_filter, nli_rejected). Added by the NLI
# helper (additive): the max P(entailment) over the relation's templates and the hypothesis that
# reached it, so a threshold change or an audit needs no re-scoring.
NLI_TRIPLES = pa.schema(list(TRIPLES) + [
    ("nli_score", pa.float64()),
    ("nli_hypothesis", pa.string()),
])
