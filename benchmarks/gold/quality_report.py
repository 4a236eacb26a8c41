"""benchmarks/results/quality.md from the report (tables meant to be quoted in the README)."""
from __future__ import annotations

from typing import Any

from benchmarks.gold.knowledgenet import PROPERTY_PIDS

PAPER_NLI_REMOVAL = 0.12


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _kn_row(name: str, score: dict[str, Any]) -> str:
    o = score["overall"]
    return (f"| {name} | {_f(o['precision'])} ({o['correct']}/{o['judged']}) | "
            f"{_f(o['recall'])} ({o['found']}/{o['gold_facts']}) | "
            f"{_f(o['triples_per_sentence'], 3)} | {_f(o['correct_per_sentence'], 3)} |")


def _recall_over(score: dict[str, Any], props: list[str]) -> tuple[int, int]:
    per = score["per_property"]
    return sum(per[p]["found"] for p in props), sum(per[p]["gold_facts"] for p in props)


def _publishable_recall(kn: dict[str, Any], chain: dict[str, Any]) -> list[str]:
    props = kn.get("publishable_properties")
    if not props:
        return []
    left_out = [p.lower().replace("_", " ") for p in PROPERTY_PIDS if p not in props]
    before = _recall_over(chain["before_verifier"], props)
    after = _recall_over(chain["after_verifier"], props)
    return [f"Recall on the {after[1]} facts of relations some theme labels (not "
            f"{', '.join(left_out)}): {_f(before[0] / before[1] if before[1] else None)} before "
            f"the verifier, **{_f(after[0] / after[1] if after[1] else None)}** after.", ""]


def _few_unstated(chain: dict[str, Any]) -> list[str]:
    judged = chain["before_verifier"]["overall"]
    wrong = judged["judged"] - judged["correct"]
    return [f"Only {wrong} of the {judged['judged']} judged triples before the verifier are "
            f"unstated: the KG holds few facts between entities of one sentence beyond those the "
            f"sentence states, so precision here says little about the \"not stated\" errors "
            f"of a full Wikidata run (the hand audit measures those); what this set measures "
            f"well is recall, and how many correct triples the verifier throws away.", ""]


PAPER_REMOVED_SHARE = 0.12     # InstructIE's NLI stage: about 12% of candidates removed


def _verifier_losses(v: dict[str, Any], shown: int = 5) -> list[str]:
    """The P-ids whose correct triples the verifier keeps least (the why of its removal rate)."""
    by_pid = v.get("correct_kept_by_pid") or {}
    worst = sorted(((c["kept"] / c["correct"], pid, c) for pid, c in by_pid.items()
                    if c["correct"] >= 10), key=lambda x: (x[0], x[1]))[:shown]
    if not worst:
        return []
    lead = ("Why it removes more than the paper's: nearly every triple it judges here is "
            "correct, so its removals are correct triples it does not recognise as stated"
            if v["removed_share"] > PAPER_REMOVED_SHARE + 0.02 else
            "What it removes: nearly every triple it judges here is correct, so its removals "
            "are mostly correct triples it does not recognise as stated")
    return [lead + "; the P-ids whose correct triples it keeps least: " + ", ".join(
                f"{pid} {c['kept']} of {c['correct']}" for _, pid, c in worst)
            + " (see the verifier's AUC on human pairs below).", ""]


def _held_out_fold(chain: dict[str, Any], fold: str = "3") -> list[str]:
    """Fold 3 alone: the verifier recipe trains on fold 1 and calibrates on fold 2."""
    part = (chain.get("by_fold") or {}).get(fold)
    if not part:
        return []
    before, after = part["apply_schema"], part["nli_filter"]
    return [f"On fold {fold} alone (held out from the gold-trained verifier's training and "
            f"calibration): precision {_f(before['precision'])} -> {_f(after['precision'])}, "
            f"recall {_f(before['recall'])} -> **{_f(after['recall'])}** "
            f"({after['gold_facts']} facts) before -> after the verifier.", ""]


def knowledgenet_md(kn: dict[str, Any]) -> list[str]:
    chain, peer = kn["chain"]["document"], kn["peer"]
    bare, alone = kn["chain"]["document_no_page_qid"], kn["chain"]["passage"]
    kg = kn["kg"]
    lines = [
        "## KnowledgeNet (human-annotated passages, folds 1-3)", "",
        f"{kn['documents']} documents, {kn['passages']} passages ({kn['sentences']} sentences), "
        f"{kn['annotated_pairs']} passage x property pairs annotated exhaustively, "
        f"{kn['linked_gold_facts']} facts with both ends linked to Wikidata. The chain is the "
        f"pipeline's own stages with `{kn.get('pipeline', 'pipelines/sample.yaml')}` configs "
        f"(schema and verifier for the themes with a KnowledgeNet relation: "
        f"{', '.join(kn['themes'])}). KG: `{kg['dump']}` plus the gold's QID-linked facts "
        f"({kg['claims_added']} claims; {kg['entities_added']} entities the subset lacks, "
        f"labelled by their most frequent annotated name, typed by their role: a birthplace's "
        f"subject is a human), so a passage also meets facts of its document it does not state.",
        "",
        f"Input: each document's passages joined as one paragraph, so a sentence's \"He\" can "
        f"refer to the subject named in another one, as in Wikipedia (*every passage alone* "
        f"below: the passages as given). Page entity: the file has none; it is the QID "
        f"annotated most often as a subject in the document ({kn['documents_with_page_qid']} of "
        f"{kn['documents']} documents have one), standing in for Wikipedia's sitelink. *Without "
        f"page QID*: the title (that entity's label) only, as on a KG without sitelinks.", "",
        "Precision: triples of a KnowledgeNet property in passages annotated for it, each in "
        "the passage of its evidence sentence; correct iff an annotated fact has the same QIDs "
        "(overlapping spans where a QID is unknown). Recall: of the facts both of whose ends "
        "carry a QID. Per sentence: all triples published, and the correct ones.", "",
        "| triples | precision | recall | triples/sentence | correct/sentence |",
        "|---|---:|---:|---:|---:|",
        _kn_row("peer rule (annotator-linked mentions as hyperlinks)", peer),
        _kn_row("ours, candidates after matching", chain["after_matching"]),
        _kn_row("ours, after schema (before the verifier)", chain["before_verifier"]),
        _kn_row("**ours, published (after the verifier)**", chain["after_verifier"]),
        _kn_row("ours, published, without page QID", bare["after_verifier"]),
        _kn_row("ours, published, every passage alone", alone["after_verifier"]),
        "",
        "The peer's hyperlink stand-in is generous: annotators linked exactly the mentions that "
        "take part in facts (pronouns included), which real hyperlinks do not.", "",
        *_publishable_recall(kn, chain),
        *_few_unstated(chain),
        "### Per relation (document paragraphs, page QID given)", "",
        "| relation | P-ids | judged before / after | precision before | **after** | "
        "recall before | **after** | peer precision | peer recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    before = chain["before_verifier"]["per_property"]
    after = chain["after_verifier"]["per_property"]
    peer_rel = peer["per_property"]
    unmeasured = []
    for prop, pids in PROPERTY_PIDS.items():
        if not (before[prop]["judged"] or before[prop]["gold_facts"] or peer_rel[prop]["judged"]):
            unmeasured.append(prop.lower().replace("_", " "))
            continue
        pid_text = "/".join(pid + ("ʳ" if rev else "") for pid, rev in pids)
        lines.append(
            f"| {prop.lower().replace('_', ' ')} | {pid_text} | {before[prop]['judged']} / "
            f"{after[prop]['judged']} | {_f(before[prop]['precision'])} | "
            f"**{_f(after[prop]['precision'])}** | {_f(before[prop]['recall'])} "
            f"({before[prop]['gold_facts']}) | **{_f(after[prop]['recall'])}** | "
            f"{_f(peer_rel[prop]['precision'])} | {_f(peer_rel[prop]['recall'])} |")
    lines += ["", "ʳ reversed: the KG claim's subject is KnowledgeNet's object."
              + (f" Not measured: {', '.join(unmeasured)} (dates carry no QID and the subset "
                 f"has no time values)." if unmeasured else ""), ""]
    v = chain["verifier"]
    lines += [
        "### The verifier (NLI stage)", "",
        f"It removed {_pct(v['removed_share'])} of the {v['scored']} triples it scored (the "
        f"paper's NLI stage removes about {_pct(PAPER_NLI_REMOVAL)}); of the judged ones it kept "
        f"{_pct(v['correct_kept_share'])} of the {v['judged_correct']} correct and removed "
        f"{_pct(v['unstated_removed_share'])} of the {v['judged_unstated']} unstated; its score "
        f"separates them with AUC {_f(v['auc_correct_vs_unstated'])} (on "
        f"{v['judged_unstated']} unstated only). Without page QID: removed "
        f"{_pct(bare['verifier']['removed_share'])}.", "",
        *_held_out_fold(chain),
        *_verifier_losses(v),
        "QID-linked gold facts not published, by where they were lost: " + ", ".join(
            f"{k} {n}" for k, n in chain["missed_facts_by_cause"].items()) + ".", ""]
    return lines


def peer_yield_md(section: dict[str, Any]) -> list[str]:
    texts = section["texts"]
    names = list(texts)
    lines = [
        "## Yield where real hyperlinks exist", "",
        f"KG `{section['kg_dump']}` (no sitelinks: hyperlinks and titles resolve by name, as "
        "the chain resolves them; the peer reads the resolved ones). Triples per sentence:", "",
        "| | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---|" + "---:|" * len(names),
        "| articles / sentences | " + " | ".join(
            f"{t['pages']} / {t['sentences']}" for t in texts.values()) + " |",
        "| hyperlinks resolved | " + " | ".join(
            f"{t['hyperlinks_resolved']} of {t['hyperlinks']}" for t in texts.values()) + " |"]
    for label, part, key in (("peer rule, every aligned KG fact", "peer", "per_sentence"),
                             ("peer rule, P-ids some theme labels", "peer",
                              "theme_pids_per_sentence"),
                             ("ours before the verifier", "ours", "before_verifier_per_sentence"),
                             ("**ours published**", "ours", "per_sentence")):
        lines.append(f"| {label} | " + " | ".join(_f(t[part][key], 3) for t in texts.values())
                     + " |")
    lines += ["", "Verifier removal rate: " + ", ".join(
        f"{_pct(t['ours']['verifier_removed_share'])} on `{n}`" for n, t in texts.items())
        + f" (the paper's NLI stage: about {_pct(PAPER_NLI_REMOVAL)}).", ""]
    return lines


def wikifair_md(section: dict[str, Any]) -> list[str]:
    if "missing" in section:
        return ["## Wiki-Fair linking", "", f"Not run: {section['missing']} is missing.", ""]
    lines = ["## Wiki-Fair v2 dev: mentions and linking", "",
             f"{section.get('articles')} articles, bundled KG (no sitelinks: hyperlink titles "
             "resolve by name).", "",
             "| mentions | gold | recall (exact) | linking accuracy | link precision |",
             "|---|---:|---:|---:|---:|"]
    for kind in ("hyperlink", "other"):
        if kind in section:
            s = section[kind]
            lines.append(f"| {kind} | {s.get('gold_mentions')} | "
                         f"{_f(s.get('mention_recall_exact'))} | "
                         f"{_f(s.get('linking_accuracy'))} | {_f(s.get('link_precision'))} |")
    return lines + [""]


def trex_md(section: dict[str, Any]) -> list[str]:
    if "missing" in section:
        return ["## T-REx dev recall", "", f"Not run: {section['missing']} is missing.", ""]
    rows = [("eligible facts (head and tail written in the sentence)", section["eligible"]),
            ("eligible, P-id some theme labels", section.get("eligible_theme_covered"))]
    extra = section["extra_triples_per_sentence"]
    lines = ["## T-REx dev recall (distant supervision, bundled KG)", "",
             f"{section['sentences']} sentences (seed {section['seed']}); details in "
             "`benchmarks/results/trex_recall.md`.", "",
             "| gold facts | n | after matching | after schema |", "|---|---:|---:|---:|"]
    for name, part in rows:
        if part:
            o = part["overall"]
            lines.append(f"| {name} | {o['gold']} | {_f(o['recall_matched'])} | "
                         f"{_f(o['recall_schema'])} |")
    lines += ["", f"Extra (non-gold) triples per sentence: {_f(extra['after_matching'], 3)} "
                  f"after matching, {_f(extra['after_schema'], 3)} after the schema.", ""]
    drops = section.get("schema_drops_by_cause") or section.get(
        "matched_but_dropped_by_schema_by_cause")
    if drops:
        lines += ["Matched facts the schema dropped, by cause: "
                  + ", ".join(f"{k} {v}" for k, v in drops.items()) + ".", ""]
    return lines


def verifier_md(section: dict[str, Any]) -> list[str]:
    if "missing" in section:
        return ["## Verifier on human pairs", "", f"Not run: {section['missing']} is missing.", ""]
    held = section["held_out"]
    lines = ["## The verifier on held-out human relation-verification pairs", "",
             f"Model `{section['model']}`, one hypothesis per P-id (`{section['senses_file']}`); "
             f"KnowledgeNet fold {', '.join(map(str, held['knowledgenet_folds']))}, Re-DocRED "
             f"dev part \"{held['redocred_part']}\" (the parts the gold-trained verifier's recipe, "
             f"`pipelines/nli/verifier-en-gold.yaml`, neither trains nor calibrates on).", "",
             "| source | pairs | AUC | accuracy@0.5 | AUC by negative kind |",
             "|---|---:|---:|---:|---|"]
    for source, s in section["by_source"].items():
        overall = s["overall"] or {}
        kinds = ", ".join(f"{k} {_f((v or {}).get('auc'))}"
                          for k, v in s["by_negative_kind"].items())
        lines.append(f"| {source} | {s['pairs']} | {_f(overall.get('auc'))} | "
                     f"{_f(overall.get('accuracy'))} | {kinds} |")
    return lines + [""]


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Are published triples true? Human gold, beside a peer baseline", "",
             "Written by `benchmarks/quality.py`" + (f" (smoke run, --limit {report['limit']})"
                                                      if report.get("limit") else "") + ".", ""]
    renderers = (("knowledgenet", knowledgenet_md), ("peer_yield", peer_yield_md),
                 ("wikifair", wikifair_md), ("trex", trex_md), ("verifier", verifier_md))
    for name, render in renderers:
        if name in report:
            lines += render(report[name])
    seconds = {name: report[name].get("seconds") for name, _ in renderers if name in report}
    lines += ["Seconds per section (last run of each): "
              + ", ".join(f"{k} {_f(v, 0)}" for k, v in seconds.items()) + ".", ""]
    return "\n".join(lines)
