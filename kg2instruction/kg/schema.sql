-- KG2Instruction knowledge-graph store (DuckDB), built from a Wikidata JSON dump by kg/build.py.
--
-- Conventions
--   * Entity ids are Wikidata's own strings ('Q42', 'P31'): readable in SQL, identical to what the
--     SPARQL backend returns, and short enough for DuckDB to inline (no pointer chasing).
--   * No PRIMARY KEY / UNIQUE constraints: on a full dump their ART indexes would cost tens of GB of
--     RAM during the load. Uniqueness is guaranteed by the build instead (rows are DISTINCT and each
--     table is written once, sorted by the key named in its comment, which also gives DuckDB's
--     zone maps something to prune on).
--   * rank is 'preferred' or 'normal'. Deprecated statements are dropped at ingest; when the same
--     value occurs in several statements of one entity/property, the row keeps the best rank.
--   * Qualifiers and references are not stored.
--   * Language columns named `lang` in the raw tables (labels, descriptions, aliases) hold Wikidata's
--     language code as found in the dump ('en', 'zh-hant', ...). Only codes that occur in a
--     configured language's fallback chain (table lang_fallback) are kept. Tables derived for
--     lookups (preferred_labels, name_index) use the *configured* language ('en', 'zh').
--   * Ordering: every table is physically sorted by the columns listed as "sorted by"; readers must
--     still ORDER BY explicitly where order matters.
--
-- Schema version (meta key 'schema_version'): 3. Bump it when a table changes shape.
--   2: degrees and claims_by_tail (hub-safe neighbour lookups).
--   3: neighbour_rows (neighbours with their names, by entity) replaces claims_by_tail.

-- Build provenance: one row per key, value is JSON text.
--   schema_version  integer
--   dump_id         {"name", "size", "head_sha1", "tail_sha1"}: file name, byte size and SHA-1 of
--                   the first and last MiB of the (compressed) dump file. Hashing a 130 GB dump
--                   fully would add minutes of I/O to every build; name + size + both ends tell
--                   Wikidata's dated dumps apart and change on truncation or re-download.
--   sources         list of dump_id objects when several files were ingested (first = main dump)
--   config          the KGBuildConfig used (languages, wikis, datatypes kept, ...)
--   counts          row counts per table and parser counters (lines, entities, bad_lines, ...)
--   content_digest  order-independent digest of every table except meta; equal digests mean
--                   equal content (used by idempotency tests and refresh diffs)
--   built_at        UTC ISO timestamp (the only value that differs between identical rebuilds)
CREATE TABLE meta (
    key   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

-- Every item and property entity in the dump. Sorted by id.
--   kind      'item' | 'property'
--   n_claims  number of statements on the entity, all ranks and datatypes (what WDQS exposes as
--             wikibase:statements); used as a popularity proxy to break disambiguation ties.
CREATE TABLE entities (
    id       VARCHAR NOT NULL,
    kind     VARCHAR NOT NULL,
    n_claims INTEGER NOT NULL
);

-- Property datatypes ('wikibase-item', 'time', 'quantity', 'external-id', ...). Sorted by pid.
--   source  where the datatype came from, by precedence: 'entity' (the property's own entity in the
--           dump) > 'snak' (the datatype field of a statement using it) > 'csv' (a side file).
CREATE TABLE properties (
    pid      VARCHAR NOT NULL,
    datatype VARCHAR NOT NULL,
    source   VARCHAR NOT NULL
);

-- Language fallback chains of the configured languages: a label in `lang` is the value of the
-- lowest-priority `variant` present. Chinese: zh, zh-hans, zh-cn, zh-sg, zh-my, zh-hant, zh-tw,
-- zh-hk, zh-mo (priorities 0..8). English: en, mul (Wikidata's "multiple languages" code, where
-- names spelt the same everywhere now live, e.g. Q42 "Douglas Adams"). Other languages: just
-- themselves. A code may belong to several chains. Sorted by (lang, variant).
CREATE TABLE lang_fallback (
    lang     VARCHAR NOT NULL,
    variant  VARCHAR NOT NULL,
    priority INTEGER NOT NULL
);

-- Raw labels per language code, as in the dump. Sorted by (id, lang).
CREATE TABLE labels (
    id    VARCHAR NOT NULL,
    lang  VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

-- Raw descriptions per language code. Sorted by (id, lang).
CREATE TABLE descriptions (
    id    VARCHAR NOT NULL,
    lang  VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

-- Raw aliases per language code (deduplicated per entity and code). Sorted by (id, lang, value).
-- Aliases of a configured language = the union over its fallback chain's variants.
CREATE TABLE aliases (
    id    VARCHAR NOT NULL,
    lang  VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

-- The label of each entity in each configured language, resolved through lang_fallback (derived
-- from labels + lang_fallback at the end of the build). `variant` is the code it came from; the
-- value is kept as written (a zh-hant label stays traditional here). Sorted by (id, lang).
CREATE TABLE preferred_labels (
    id      VARCHAR NOT NULL,
    lang    VARCHAR NOT NULL,
    value   VARCHAR NOT NULL,
    variant VARCHAR NOT NULL
);

-- Normalised name -> entity, for candidate lookup. One row per distinct (norm, lang, id, via,
-- value) over ALL labels and aliases of every variant in a configured language's chain.
--   norm  kg2instruction.text.normalize.normalize_name(value, lang): NFKC, case-folded, whitespace
--         collapsed; for zh also converted to simplified script, so a zh-hant label matches
--         simplified text.
--   lang  configured language ('en', 'zh')
--   via   'label' | 'alias'
--   value the original label/alias string
-- Sorted by (norm, lang, id).
CREATE TABLE name_index (
    norm  VARCHAR NOT NULL,
    lang  VARCHAR NOT NULL,
    id    VARCHAR NOT NULL,
    via   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

-- Item-valued statements head --pid--> tail (tail is always a Q-id). Sorted by (head, pid, tail).
CREATE TABLE claims (
    head VARCHAR NOT NULL,
    pid  VARCHAR NOT NULL,
    tail VARCHAR NOT NULL,
    rank VARCHAR NOT NULL
);

-- Every entity's neighbours as `neighbours()` returns them, laid out at build time: one row per
-- item-valued statement the entity is the head (forward) or the tail (reverse) of, per configured
-- language, carrying the other entity's label and aliases in that language. A lookup of a few
-- entities is then a range read of consecutive rows. Without the names in the row, a hub's
-- thousands of neighbours need their labels from ids spread over the whole label tables, a cost
-- that grows with the KG whatever the lookup asks (schema 2 did that; `benchmarks/scale.py`).
--   direction  'forward' | 'reverse'
--   pos        reverse: 0-based position among the entity's reverse edges in the order in which a
--              capped lookup keeps them (kg/lookup_config.py): the other entity with the most
--              statements (entities.n_claims) first, then the lower QID number, then the lower
--              property number. `pos < cap` selects the kept rows without sorting a hub's range at
--              query time (row groups wholly past the cap are skipped by their zone map on pos).
--              forward: 0 (forward edges are never capped).
--   label      the other entity's preferred label in `lang` (NULL when it has none)
--   aliases    its aliases over `lang`'s fallback chain, distinct, sorted (empty when none)
-- Sorted by (lang, entity, direction, pos, other, pid); (lang, entity, direction, other, pid) is
-- unique.
CREATE TABLE neighbour_rows (
    entity    VARCHAR   NOT NULL,
    lang      VARCHAR   NOT NULL,
    direction VARCHAR   NOT NULL,
    pos       BIGINT    NOT NULL,
    other     VARCHAR   NOT NULL,
    pid       VARCHAR   NOT NULL,
    label     VARCHAR,
    aliases   VARCHAR[] NOT NULL
);

-- Item-valued degree of every entity occurring in claims: n_forward = rows with it as head,
-- n_reverse = rows with it as tail. Lets a reader tell a hub before fetching its edges (and the
-- scale benchmark sample the real degree distribution). Sorted by id.
CREATE TABLE degrees (
    id        VARCHAR NOT NULL,
    n_forward BIGINT  NOT NULL,
    n_reverse BIGINT  NOT NULL
);

-- Time-valued statements. time is Wikidata's string ('+1952-03-11T00:00:00Z'), precision its
-- integer (9 = year, 10 = month, 11 = day), calendar the calendar model's Q-id ('Q1985727' =
-- proleptic Gregorian, 'Q1985786' = Julian). Sorted by (id, pid, time).
CREATE TABLE time_values (
    id        VARCHAR NOT NULL,
    pid       VARCHAR NOT NULL,
    time      VARCHAR NOT NULL,
    precision INTEGER NOT NULL,
    calendar  VARCHAR NOT NULL,
    rank      VARCHAR NOT NULL
);

-- Quantity-valued statements. amount is the dump's decimal string ('+1.96'), kept as text so no
-- precision is lost; unit is the unit's Q-id or '1' for dimensionless. Sorted by (id, pid, amount).
CREATE TABLE quantity_values (
    id     VARCHAR NOT NULL,
    pid    VARCHAR NOT NULL,
    amount VARCHAR NOT NULL,
    unit   VARCHAR NOT NULL,
    rank   VARCHAR NOT NULL
);

-- String-valued statements whose property datatype is in the build's `string_datatypes` (default
-- 'string' and 'url'; external ids are left out by default: they are most of a full dump and never
-- appear as text relations). Sorted by (id, pid, value).
CREATE TABLE string_values (
    id    VARCHAR NOT NULL,
    pid   VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    rank  VARCHAR NOT NULL
);

-- Monolingual-text statements (e.g. P1477 birth name), any language. Sorted by (id, pid, lang, text).
CREATE TABLE monolingual_values (
    id   VARCHAR NOT NULL,
    pid  VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    rank VARCHAR NOT NULL
);

-- Sitelinks of the configured wikis: page title on `wiki` ('enwiki', 'zhwiki') -> entity.
-- Titles are stored as in the dump (spaces, first letter as written). Sorted by (wiki, title).
CREATE TABLE sitelinks (
    wiki  VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    id    VARCHAR NOT NULL
);

-- Input lines that could not be ingested (not JSON, or JSON that is not an entity object). The
-- total is in meta.counts.bad_lines; the first `max_bad_lines_recorded` are kept here. Sorted by
-- (source, line).
--   source  dump file name;  line  1-based line number;  reason  parser message;
--   excerpt first 200 characters of the line.
CREATE TABLE bad_lines (
    source  VARCHAR NOT NULL,
    line    BIGINT  NOT NULL,
    reason  VARCHAR NOT NULL,
    excerpt VARCHAR NOT NULL
);
