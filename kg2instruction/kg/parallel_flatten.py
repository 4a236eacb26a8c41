"""Parse and flatten dump lines in worker processes.

JSON parsing and flattening are pure Python and dominate a build's CPU time, and one interpreter
runs them on one core; on a full dump that is most of a day. Workers receive batches of raw lines
(`LineBatch`), return Arrow tables plus what they saw (bad lines with their line numbers, statement
datatypes, skipped kinds), and the parent merges results in submission order, so counts, the
recorded bad lines and the store are exactly those of a serial build (the store is sorted at the end
anyway). Workers are spawned, not forked: the parent runs bzip2 decoder threads.
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import orjson
import pyarrow as pa

from kg2instruction.kg.build_config import KGBuildConfig
from kg2instruction.kg.entity_rows import EntityFlattener
from kg2instruction.sources.wikidata_dump import BadLine, BadLineLog, LineBatch, parse_line_batch

MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


@dataclass
class FlattenedBatch:
    """One batch's rows and observations, as returned to the parent."""

    tables: dict[str, pa.Table]
    entities: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)
    snak_datatypes: dict[str, str] = field(default_factory=dict)
    skipped_kinds: dict[str, int] = field(default_factory=dict)


def flatten_entities(flattener: EntityFlattener, numbered: Iterator[tuple[int, dict]],
                     bad_lines: BadLineLog) -> int:
    """Add each entity to `flattener`; a malformed one becomes a bad line. Returns entities added."""
    added = 0
    for line_no, entity in numbered:
        try:
            flattener.add(entity)
        except MALFORMED as exc:
            bad_lines.record(line_no, f"malformed entity {entity.get('id')!r}: "
                                      f"{exc.__class__.__name__} {exc}", orjson.dumps(entity))
            continue
        added += 1
    return added


_worker_flattener: EntityFlattener | None = None


def _init_worker(config_json: str) -> None:
    global _worker_flattener
    _worker_flattener = EntityFlattener(KGBuildConfig.model_validate_json(config_json))


def _flatten_batch(source: str, batch: LineBatch) -> FlattenedBatch:
    flattener = _worker_flattener
    assert flattener is not None, "worker not initialised"
    log = BadLineLog(source, max_bad_lines=len(batch.lines), keep_first=len(batch.lines))
    seen_datatypes = set(flattener.snak_datatypes)
    skipped_before = dict(flattener.skipped_kinds)
    entities = flatten_entities(flattener, parse_line_batch(batch, log), log)
    return FlattenedBatch(
        tables=flattener.take_tables(), entities=entities, bad_lines=log.kept,
        snak_datatypes={p: d for p, d in flattener.snak_datatypes.items() if p not in seen_datatypes},
        skipped_kinds={k: n - skipped_before.get(k, 0) for k, n in flattener.skipped_kinds.items()
                       if n != skipped_before.get(k, 0)})


class ParallelFlattener:
    """A process pool flattening line batches; results come back in submission order."""

    def __init__(self, config: KGBuildConfig, workers: int, source: str) -> None:
        self._source = source
        self._max_in_flight = 2 * workers       # bounds memory: batches queued or being parsed
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker,
                                         initargs=(config.model_dump_json(),))
        self._in_flight: deque[Future[FlattenedBatch]] = deque()

    def map(self, batches: Iterator[LineBatch]) -> Iterator[FlattenedBatch]:
        """Flatten every batch; yields results in order, keeping a bounded number in flight."""
        for batch in batches:
            self._in_flight.append(self._pool.submit(_flatten_batch, self._source, batch))
            if len(self._in_flight) >= self._max_in_flight:
                yield self._in_flight.popleft().result()
        while self._in_flight:
            yield self._in_flight.popleft().result()

    def close(self) -> None:
        for future in self._in_flight:
            future.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParallelFlattener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
