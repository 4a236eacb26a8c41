"""Hand audit of a run's published triples: sample them with their evidence, score the verdicts.

A distant-supervision dataset is only worth its precision, and precision can only be measured by
a person reading each triple against its paragraph. `sampling` draws kept and rejected triples of
one theme from a finished run into a TSV with an empty verdict column (`tsv`), `scoring` turns the
judged files into precision with intervals, the verifier's keep/remove shares and its AUC, using
the plain statistics in `stats`. Judging rules: benchmarks/audits/README.md.
"""
