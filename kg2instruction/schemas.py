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
