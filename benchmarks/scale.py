"""Scale benchmark: the KG grown 1x, 3x and 10x, and what the annotation's KG lookups cost on it.

Growth keeps the real degree distribution and the real answers: an Nx dump is the bundled sample
(copy 0, untouched) plus N-1 synthetic copies of it, each with every item id shifted by
k * 10^9 (so claims stay inside their copy), its labels and aliases suffixed with " ~k" (so no
real name gains namesakes), and no sitelinks. Each copy therefore has the sample's exact
distribution of forward and reverse degrees, its hubs included; nothing in a copy points at a
real entity, so every real entity's answers are the same at every size. One more hub grows with
the size: every copy's edges to its own "human" (Q5) point at copy 1's Q5 instead, a synthetic hub
with (N-1) x 43,848 reverse edges, which the neighbour cap (`KGLookupConfig`) must keep bounded.
The copies are written by one process per CPU, each compressing its own bz2 stream; the streams
are concatenated into one multistream file that decodes to the bytes a single writer produces.

Measured per size, each step in a fresh subprocess (peak RSS is the step's own), all in one run
so the ratios compare steps under the same machine load:
1. KG build from the bz2 dump (one parse process, as `ingest.py`'s headline figure; the sample
   pipeline's DuckDB memory budget, `BUILD_MEMORY_LIMIT`) against
   `bzip2 -dc` of the same file (target: build <= 3x decompression at every size);
2. the store's file size;
3. the annotation's lookups for a fixed workload of real sample entities: per "paragraph" (a
   sample entity with an English label and at least 3 item-valued statements, and up to 7 of its
   forward neighbours, as a paragraph about it links them; the sample has no sitelinks) one
   `candidates` call on their English labels, one `neighbours` call on them
   and one `claims_between` call on the pairs; the fastest of several passes, after a warm-up
   pass. Measured twice: with `neighbours` asked through a `NeighbourCache` (fresh each pass), as
   the annotation asks it, which is the figure the target is stated on (cost at the largest size
   <= 1.3x the cost at 1x); and straight to the KG, every paragraph paying its hubs again;
4. one `neighbours` call on the biggest real hub (Q5), on a mid-size one met in many paragraphs
   (Q30) and on the growing synthetic hub;
5. peak RSS of the build and of the lookups.

100x (22.5M entities, about 17 GB of JSON) is not run: its build alone would take over an hour on
this 2-CPU machine; the trend is measured from 1x, 3x and 10x instead.

Usage: .venv/bin/python benchmarks/scale.py [--sizes 1 3 10] [--paragraphs 60] [--passes 3]
Results: benchmarks/results/scale.json and scale.md (paths in them are repository-relative).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from ingest import _DECOMPRESS, external_bzip2_seconds, measure  # noqa: E402

from kg2instruction.atomic import atomic_write_text  # noqa: E402
from kg2instruction.kg.lookup_config import KGLookupConfig  # noqa: E402
from kg2instruction.sources.compressed import open_binary  # noqa: E402

SHIFT = 1_000_000_000
HUB = "Q5"                      # the sample's biggest hub (human)
MID_HUB = "Q30"                 # United States: 3,399 neighbours, in many paragraphs
GROWING_HUB = f"Q{SHIFT + 5}"   # copy 1's Q5: every copy's edges to its own Q5 point here
TARGET_LOOKUP_RATIO = 1.3
TARGET_BUILD_RATIO = 3.0
# The build's DuckDB memory budget: the bundled sample pipeline's (pipelines/sample.yaml). It is
# the same at every size, so a build whose peak memory grew with the KG would show it.
BUILD_MEMORY_LIMIT = "1GB"
_QID = re.compile(rb'"Q([0-9]+)"')
_NUMERIC_ID = re.compile(rb'"numeric-id":([0-9]+)')

_BUILD = """
from kg2instruction.kg.build import build_kg
from kg2instruction.kg.build_config import BuildResources
summary = build_kg({path!r}, {out!r}, resources=BuildResources(
    progress=False, parse_workers=1, memory_limit={memory!r}))
extra = {{"entities": summary.counts["items"], "claims": summary.counts["claims"]}}
"""
_LOOKUPS = """
import json, time
from kg2instruction.kg.duckdb_kg import DuckDBKG
work = json.load(open({work!r}))
hubs = {hubs!r}

from kg2instruction.annotate.neighbour_cache import NeighbourCache

def one_pass(kg, cached=False):
    spent = {{"candidates": 0.0, "neighbours": 0.0, "claims_between": 0.0}}
    source = NeighbourCache(kg) if cached else kg
    for p in work:
        t0 = time.perf_counter(); kg.candidates(p["names"], "en")
        t1 = time.perf_counter(); source.neighbours(p["qids"], "en")
        t2 = time.perf_counter(); kg.claims_between([tuple(x) for x in p["pairs"]])
        t3 = time.perf_counter()
        spent["candidates"] += t1 - t0; spent["neighbours"] += t2 - t1
        spent["claims_between"] += t3 - t2
    return spent

with DuckDBKG({store!r}) as kg:
    one_pass(kg)  # warm-up: the first queries also load the store's metadata and caches
    passes = [one_pass(kg) for _ in range({passes})]
    best = min(passes, key=lambda s: sum(s.values()))
    cached = min((one_pass(kg, cached=True) for _ in range({passes})),
                 key=lambda s: sum(s.values()))
    hub_lookups = {{}}
    for hub in hubs:
        kg.neighbours([hub], "en")
        times, rows = [], 0
        for _ in range({passes}):
            t0 = time.perf_counter(); found = kg.neighbours([hub], "en")
            times.append(time.perf_counter() - t0)
            rows = len(found.get(hub, ()))
        reverse = sum(n.direction == "reverse" for n in found.get(hub, ()))
        hub_lookups[hub] = {{"ms": 1000 * min(times), "rows": rows, "reverse_rows": reverse,
                            "degree": list(kg.degrees([hub])[hub])}}
    cap = kg.lookup.max_reverse_neighbours
n = len(work)
extra = {{"paragraphs": n, "ms_per_paragraph": 1000 * sum(best.values()) / n,
          "ms_per_paragraph_by_call": {{k: 1000 * v / n for k, v in best.items()}},
          "all_passes_ms_per_paragraph": [1000 * sum(s.values()) / n for s in passes],
          "cached_ms_per_paragraph": 1000 * sum(cached.values()) / n,
          "cached_ms_per_paragraph_by_call": {{k: 1000 * v / n for k, v in cached.items()}},
          "hubs": hub_lookups, "cap": cap}}
"""


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


def _suffix_terms(entity: dict, suffix: str) -> None:
    for label in (entity.get("labels") or {}).values():
        label["value"] += suffix
    for aliases in (entity.get("aliases") or {}).values():
        for alias in aliases:
            alias["value"] += suffix


def _redirect_hub(entity: dict, own_hub: str) -> None:
    """Main-snak item values equal to this copy's Q5 -> the shared growing hub."""
    numeric = int(GROWING_HUB[1:])
    for statements in (entity.get("claims") or {}).values():
        for statement in statements:
            value = (statement.get("mainsnak") or {}).get("datavalue", {}).get("value")
            if isinstance(value, dict) and value.get("id") == own_hub:
                value["id"], value["numeric-id"] = GROWING_HUB, numeric


def synthetic_line(body: bytes, copy: int) -> bytes:
    """One entity line of synthetic copy `copy` (see the module docstring)."""
    shift = copy * SHIFT
    body = _QID.sub(lambda m: b'"Q%d"' % (int(m.group(1)) + shift), body)
    body = _NUMERIC_ID.sub(lambda m: b'"numeric-id":%d' % (int(m.group(1)) + shift), body)
    entity = orjson.loads(body)
    if entity.get("type") == "property" or str(entity.get("id", "")).startswith("P"):
        return b""   # property entities are shared by all copies (pids are not shifted)
    _suffix_terms(entity, f" ~{copy}")
    entity["sitelinks"] = {}
    own_hub = f"Q{shift + int(HUB[1:])}"
    if copy > 1 and entity.get("id") != own_hub:
        _redirect_hub(entity, own_hub)
    return orjson.dumps(entity)


def write_scaled_dump(source: Path, target: Path, copies: int, workers: int = 1) -> int:
    """bz2 dump of the sample plus copies-1 synthetic copies; returns the entities written.

    With `workers` > 1 the copies are split into that many contiguous runs, each written and
    compressed by its own process as one bz2 stream, and the streams are concatenated in order
    (a multistream file, as Wikimedia's own dumps; every reader here decodes it). The decoded
    bytes are the same whatever `workers` is."""
    runs = _contiguous(range(copies), max(1, min(workers, copies)))
    parts = [target.with_name(f"{target.name}.part{i}") for i in range(len(runs))]
    jobs = [(source, part, run, i == 0, i == len(runs) - 1)
            for i, (part, run) in enumerate(zip(parts, runs))]
    try:
        if len(jobs) == 1:
            counts = [_write_part(*jobs[0])]
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(len(jobs)) as pool:
                counts = list(pool.map(_write_part, *zip(*jobs)))
        with open(target, "wb") as sink:
            for part in parts:
                with open(part, "rb") as fh:
                    shutil.copyfileobj(fh, sink, 1 << 20)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return sum(counts)


def _contiguous(items: range, n: int) -> list[range]:
    """`items` cut into `n` contiguous runs of sizes differing by at most one."""
    size, extra = divmod(len(items), n)
    runs, start = [], items.start
    for i in range(n):
        stop = start + size + (i < extra)
        runs.append(range(start, stop))
        start = stop
    return runs


def _write_part(source: Path, target: Path, copies: range, first: bool, last: bool) -> int:
    """One bz2 stream of the entity lines of `copies`, framed so that the streams of all runs,
    decoded and concatenated in order, are one JSON array (a comma before every line but the
    array's first)."""
    n = 0
    with open(target, "wb") as sink:
        bzip2 = subprocess.Popen(["bzip2", "-c"], stdin=subprocess.PIPE, stdout=sink)
        out = bzip2.stdin
        if first:
            out.write(b"[\n")
        for copy in copies:
            with open_binary(source) as fh:
                for line in fh:
                    body = line.strip().rstrip(b",")
                    if body in (b"", b"[", b"]"):
                        continue
                    if copy:
                        body = synthetic_line(body, copy)
                        if not body:
                            continue
                    out.write(body if first and not n else b",\n" + body)
                    n += 1
        if last:
            out.write(b"\n]\n")
        out.close()
        if bzip2.wait():
            raise RuntimeError("bzip2 failed")
    return n


def paragraph_workload(store: Path, paragraphs: int) -> list[dict]:
    """Fixed lookups of real sample entities (see the module docstring), chosen by a hash of the
    QID so the set is the same in every run and on every size."""
    import duckdb

    with duckdb.connect(str(store), read_only=True) as con:
        pages = [r[0] for r in con.execute(
            "SELECT d.id FROM degrees d JOIN preferred_labels p ON p.id = d.id AND p.lang = 'en' "
            "WHERE d.n_forward >= 3 AND d.id LIKE 'Q%'").fetchall()]
        seeds = sorted(pages, key=lambda q: hashlib.sha256(q.encode()).hexdigest())[:paragraphs]
        work = []
        for seed in seeds:
            linked = [r[0] for r in con.execute(
                "SELECT DISTINCT tail FROM claims WHERE head = ? "
                "ORDER BY length(tail), tail LIMIT 7", [seed]).fetchall()]
            qids = [seed, *[q for q in linked if q != seed]]
            names = [r[0] for r in con.execute(
                "SELECT value FROM preferred_labels WHERE lang = 'en' AND id IN "
                "(SELECT unnest(?)) ORDER BY id", [qids]).fetchall()]
            pairs = [(seed, q) for q in qids[1:]] + list(zip(qids[1:], qids[2:]))
            work.append({"seed": seed, "qids": qids, "names": names, "pairs": pairs})
    return work


def run(sample: Path, sizes: list[int], paragraphs: int, passes: int, workdir: Path) -> dict:
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_avg_start": os.getloadavg()},
        "input": _relative(sample), "sizes": {}, "default_cap": KGLookupConfig().max_reverse_neighbours,
        "build_memory_limit": BUILD_MEMORY_LIMIT,
        "growing_hub": GROWING_HUB, "hub": HUB, "mid_hub": MID_HUB}
    work_file = workdir / "work.json"
    for size in sizes:
        started = time.perf_counter()
        if size == 1:
            dump = sample
            entities = None
        else:
            dump = workdir / f"dump-{size}x.json.bz2"
            print(f"{size}x: writing the dump ...", flush=True)
            entities = write_scaled_dump(sample, dump, size, os.cpu_count() or 1)
        generate = time.perf_counter() - started
        print(f"{size}x: bzip2 -dc ...", flush=True)
        bzip2 = external_bzip2_seconds(dump)
        decoder = measure(_DECOMPRESS.format(path=str(dump)))
        store = workdir / f"kg-{size}x.duckdb"
        print(f"{size}x: building the KG ...", flush=True)
        build = measure(_BUILD.format(path=str(dump), out=str(store), memory=BUILD_MEMORY_LIMIT))
        if not work_file.exists():
            work_file.write_text(json.dumps(paragraph_workload(store, paragraphs)))
        hubs = [HUB, MID_HUB] + ([GROWING_HUB] if size > 1 else [])
        print(f"{size}x: lookups ...", flush=True)
        lookups = measure(_LOOKUPS.format(work=str(work_file), store=str(store), hubs=hubs,
                                          passes=passes))
        results["sizes"][str(size)] = {
            "dump_bytes": dump.stat().st_size, "dump_entities_written": entities,
            "generate_seconds": generate if size > 1 else 0.0,
            "entities": build["entities"], "claims": build["claims"],
            "store_bytes": store.stat().st_size,
            "build_seconds": build["seconds"], "build_peak_rss_mb": build["tree_peak_rss_mb"],
            "bzip2_dc_seconds": bzip2, "decoder_seconds": decoder["seconds"],
            "ratio_build_to_bzip2_dc": build["seconds"] / bzip2 if bzip2 else None,
            "ratio_build_to_decoder": build["seconds"] / decoder["seconds"],
            "lookups": {k: lookups[k] for k in ("paragraphs", "ms_per_paragraph",
                                                "ms_per_paragraph_by_call",
                                                "cached_ms_per_paragraph",
                                                "cached_ms_per_paragraph_by_call",
                                                "all_passes_ms_per_paragraph", "hubs", "cap")},
            "lookup_peak_rss_mb": lookups["tree_peak_rss_mb"]}
        store.unlink()
        if dump != sample:
            dump.unlink()
        print(json.dumps(results["sizes"][str(size)], indent=1), flush=True)
    base = results["sizes"][str(sizes[0])]
    top = results["sizes"][str(sizes[-1])]
    results["largest_size"] = sizes[-1]
    results["lookup_ratio_largest_to_1x"] = (top["lookups"]["cached_ms_per_paragraph"]
                                             / base["lookups"]["cached_ms_per_paragraph"])
    results["uncached_lookup_ratio_largest_to_1x"] = (top["lookups"]["ms_per_paragraph"]
                                                      / base["lookups"]["ms_per_paragraph"])
    results["max_ratio_build_to_bzip2_dc"] = max(
        s["ratio_build_to_bzip2_dc"] for s in results["sizes"].values())
    results["lookup_peak_rss_ratio_largest_to_1x"] = (top["lookup_peak_rss_mb"]
                                                      / base["lookup_peak_rss_mb"])
    results["build_peak_rss_ratio_largest_to_1x"] = (top["build_peak_rss_mb"]
                                                     / base["build_peak_rss_mb"])
    results["targets"] = {"lookup_ratio": TARGET_LOOKUP_RATIO, "build_ratio": TARGET_BUILD_RATIO}
    results["machine"]["load_avg_end"] = os.getloadavg()
    return results


def markdown(r: dict) -> str:
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    lines = [
        "# KG scale benchmark (`benchmarks/scale.py`)", "",
        f"Input: `{r['input']}` grown by synthetic copies that keep its degree distribution (see "
        "the script's docstring); real entities have the same answers at every size. "
        f"Machine: {r['machine']['cpus']} CPUs, shared (load average {r['machine']['load_avg_start'][0]:.1f} "
        f"at start, {r['machine']['load_avg_end'][0]:.1f} at end). Neighbour cap "
        f"{r['default_cap']:,} reverse edges per entity (the default).", "",
        "| size | entities | claims | store MB | build s | `bzip2 -dc` s | build / bzip2 -dc | "
        "build peak RSS MB | lookups ms / paragraph, as annotated (cand. + neigh. + claims) | "
        "same, no neighbour cache | "
        f"{r['hub']} neighbours ms (rows) | {r['mid_hub']} ms (rows) | "
        "growing hub ms (rows of reverse degree) | lookup peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, s in r["sizes"].items():
        lk = s["lookups"]
        by = lk["cached_ms_per_paragraph_by_call"]
        hub, mid = lk["hubs"][r["hub"]], lk["hubs"][r["mid_hub"]]
        grow = lk["hubs"].get(r["growing_hub"])
        grown = (f"{grow['ms']:.0f} ({grow['rows']:,} of {grow['degree'][1]:,})" if grow else "—")
        lines.append(
            f"| {size}x | {s['entities']:,} | {s['claims']:,} | {s['store_bytes'] / 2**20:,.0f} | "
            f"{s['build_seconds']:.1f} | {s['bzip2_dc_seconds']:.1f} | "
            f"{s['ratio_build_to_bzip2_dc']:.2f}x | {s['build_peak_rss_mb']:.0f} | "
            f"{lk['cached_ms_per_paragraph']:.1f} ({by['candidates']:.1f} + "
            f"{by['neighbours']:.1f} + {by['claims_between']:.1f}) | "
            f"{lk['ms_per_paragraph']:.1f} | {hub['ms']:.0f} ({hub['rows']:,}) | "
            f"{mid['ms']:.0f} ({mid['rows']:,}) | {grown} | "
            f"{s['lookup_peak_rss_mb']:.0f} |")
    largest = r["largest_size"]
    first, top = next(iter(r["sizes"].values())), r["sizes"][str(largest)]
    by_first = first["lookups"]["cached_ms_per_paragraph_by_call"]
    by_top = top["lookups"]["cached_ms_per_paragraph_by_call"]
    mid_ratio = top["lookups"]["hubs"][r["mid_hub"]]["ms"] / first["lookups"]["hubs"][r["mid_hub"]]["ms"]
    grown = [s["lookups"]["hubs"][r["growing_hub"]]["ms"] for s in r["sizes"].values()
             if r["growing_hub"] in s["lookups"]["hubs"]]
    grow_ratio = grown[-1] / grown[0] if grown else float("nan")
    call_ratios = {call: by_top[call] / by_first[call]
                   for call in ("candidates", "neighbours", "claims_between")}
    lines += [
        "",
        f"- **Lookup cost per paragraph, {largest}x / 1x: {r['lookup_ratio_largest_to_1x']:.2f}** "
        f"(target <= {r['targets']['lookup_ratio']}: "
        f"{verdict(r['lookup_ratio_largest_to_1x'] <= r['targets']['lookup_ratio'])}); "
        f"{next(iter(r['sizes'].values()))['lookups']['paragraphs']} paragraphs of real sample "
        "entities, fastest of the passes, neighbours through the annotation's cache. Without the "
        f"cache: {r['uncached_lookup_ratio_largest_to_1x']:.2f}.",
        f"- Per call, {largest}x / 1x (with the cache): " + ", ".join(
            f"{call} {ratio:.2f}" for call, ratio in call_ratios.items())
        + f"; {r['mid_hub']} alone {mid_ratio:.2f}, the capped growing hub "
        f"{grow_ratio:.2f} from its first size. Each call is a range read of a table sorted by "
        "the key it asks for (name index, `neighbour_rows` with the neighbours' names laid out "
        "by the build, claims by head).",
        f"- **KG build / `bzip2 -dc`, worst size: {r['max_ratio_build_to_bzip2_dc']:.2f}x** "
        f"(target <= {r['targets']['build_ratio']:.0f}x at every size: "
        f"{verdict(r['max_ratio_build_to_bzip2_dc'] <= r['targets']['build_ratio'])}).",
        f"- Peak RSS {largest}x / 1x: build {r['build_peak_rss_ratio_largest_to_1x']:.2f}, lookups "
        f"{r['lookup_peak_rss_ratio_largest_to_1x']:.2f} (the build runs under a DuckDB memory "
        f"limit of {r.get('build_memory_limit', '128MB')} at every size; the lookup process's "
        "memory is mostly DuckDB's buffer cache of the row groups it read).",
    ]
    if "100" not in r["sizes"]:
        lines.append("- 100x was not run (its build alone would take over an hour here); the trend "
                     "is from " + ", ".join(f"{k}x" for k in r["sizes"]) + ".")
    lines += ["- Timings on a shared machine vary with the other jobs' load; ratios compare steps "
              "of the same run.", ""]
    return "\n".join(lines)


def render(results_dir: Path) -> None:
    """Rewrite scale.md from scale.json (after a change to the report's wording only)."""
    results = json.loads((results_dir / "scale.json").read_text())
    atomic_write_text(results_dir / "scale.md", markdown(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=REPO / "pipelines/sample/wikidata-mini.json.bz2")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 10])
    parser.add_argument("--paragraphs", type=int, default=60)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks/results")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite scale.md from the existing scale.json, measuring nothing")
    args = parser.parse_args(argv)
    if args.render_only:
        render(args.results)
        print(markdown(json.loads((args.results / "scale.json").read_text())))
        return 0
    if sorted(args.sizes) != args.sizes or args.sizes[0] != 1:
        parser.error("--sizes must be increasing and start at 1")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg2i-scale-bench-") as tmp:
        results = run(args.sample.resolve(), args.sizes, args.paragraphs, args.passes, Path(tmp))
    results["wall_seconds"] = time.perf_counter() - started
    atomic_write_text(args.results / "scale.json", json.dumps(results, indent=2) + "\n")
    atomic_write_text(args.results / "scale.md", markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
