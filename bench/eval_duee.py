#!/usr/bin/python3
"""DuEE-Fin evaluation of `oppgraph extract --format duee`.

Runs the extractor on the DuEE-Fin tuning set (id/title/text only: the gold
event lists are never shown to it) and scores the output by the official
DuEE-Fin rule: within each document every gold event is matched, without
reuse, to the predicted event of the same type that shares the most correct
arguments; an argument is correct when event type, role and argument text
all match exactly.  P = correct / predicted arguments, R = correct / gold
arguments, micro-averaged over all documents.

Event-type scores count events: in each document min(gold, predicted) events
of a type are correct.  Also printed: per-type scores and the ten most
frequent error kinds.  Exits 0 with a message when the data is absent.

With --split, documents are halved by position (even lines: "dev", odd
lines: "check") and each half is scored on its own as well: tune rules on
the dev half and watch the check half for overfitting.

usage: /usr/bin/python3 bench/eval_duee.py [--bin build/oppgraph]
         [--data ../shared/data/duee-fin] [--rules DIR] [--markdown]
         [--split] [--digits N] [--dump FILE]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def prf(c, p, g):
    P = c / p if p else 0.0
    R = c / g if g else 0.0
    F = 2 * P * R / (P + R) if P + R else 0.0
    return P, R, F


def arg_set(ev):
    return {(a["role"], a["argument"]) for a in ev.get("arguments", [])}


def score(gold_docs, pred_by_id):
    tot = collections.Counter()
    per = collections.defaultdict(collections.Counter)
    errors = collections.Counter()
    for doc in gold_docs:
        gold = doc.get("event_list", [])
        pred = pred_by_id.get(doc["id"], [])
        for ev in pred:
            per[ev["event_type"]]["pe"] += 1
            per[ev["event_type"]]["pa"] += len(arg_set(ev))
        for ev in gold:
            per[ev["event_type"]]["ge"] += 1
            per[ev["event_type"]]["ga"] += len(arg_set(ev))
        types = {e["event_type"] for e in gold} | {e["event_type"] for e in pred}
        for t in types:
            g = [e for e in gold if e["event_type"] == t]
            p = [e for e in pred if e["event_type"] == t]
            per[t]["ce"] += min(len(g), len(p))
            if len(p) > len(g):
                errors["spurious event %s" % t] += len(p) - len(g)
            elif len(g) > len(p):
                errors["missed event %s" % t] += len(g) - len(p)
            used = set()
            for ge in g:
                gs = arg_set(ge)
                best, bi = -1, None
                for i, pe in enumerate(p):
                    if i in used:
                        continue
                    n = len(gs & arg_set(pe))
                    if n > best:
                        best, bi = n, i
                if bi is None:
                    continue
                used.add(bi)
                ps = arg_set(p[bi])
                per[t]["ca"] += len(gs & ps)
                groles = collections.defaultdict(set)
                proles = collections.defaultdict(set)
                for r, a in gs:
                    groles[r].add(a)
                for r, a in ps:
                    proles[r].add(a)
                for r in set(groles) | set(proles):
                    if groles[r] == proles[r]:
                        continue
                    if not proles[r]:
                        errors["missed role %s/%s" % (t, r)] += 1
                    elif not groles[r]:
                        errors["spurious role %s/%s" % (t, r)] += 1
                    else:
                        errors["wrong span %s/%s" % (t, r)] += 1
    for t in per:
        tot.update(per[t])
    return tot, per, errors


def table(tot, per, errors, ndocs, md, digits=3):
    f = "%%.%df" % digits
    lines = []
    hdr = "| type | gold ev | pred ev | type P | type R | type F1 | gold args | pred args | arg P | arg R | arg F1 |"
    lines.append(hdr)
    lines.append("|" + "---|" * 11)

    def row(name, c):
        tp = prf(c["ce"], c["pe"], c["ge"])
        ap = prf(c["ca"], c["pa"], c["ga"])
        lines.append(("| %s | %d | %d | F | F | F | %d | %d | F | F | F |").replace("F", f) % (
            name, c["ge"], c["pe"], tp[0], tp[1], tp[2], c["ga"], c["pa"], ap[0], ap[1], ap[2]))

    row("**all** (%d docs)" % ndocs, tot)
    for t in sorted(per, key=lambda t: -per[t]["ge"]):
        row(t, per[t])
    lines.append("")
    lines.append("Ten most frequent error kinds (counts):")
    lines.append("")
    for k, v in errors.most_common(10):
        lines.append("- %s: %d" % (k, v))
    out = "\n".join(lines)
    if not md:
        out = out.replace("**", "")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "oppgraph"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "duee-fin"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "data", "rules"))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--dump", help="write predictions (JSON lines) here")
    ap.add_argument("--split", action="store_true",
                    help="also score the even (dev) and odd (check) halves")
    ap.add_argument("--digits", type=int, default=3,
                    help="decimals of the scores (4 to compare two runs)")
    a = ap.parse_args()
    path = os.path.join(a.data, "tune.jsonl")
    if not os.path.exists(path):
        print("eval_duee: skipped: %s is absent (DuEE-Fin tuning data not "
              "available here)" % path)
        return 0
    gold = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for d in gold:
            f.write(json.dumps({"id": d["id"], "title": d.get("title", ""),
                                "text": d["text"]}, ensure_ascii=False) + "\n")
        inp = f.name
    try:
        r = subprocess.run([a.bin, "extract", "--format", "duee", "--rules", a.rules, inp],
                           capture_output=True, text=True)
    finally:
        os.unlink(inp)
    if r.returncode not in (0, 1):
        sys.stderr.write(r.stderr)
        print("eval_duee: extractor failed with status %d" % r.returncode)
        return 1
    if r.stderr:
        sys.stderr.write(r.stderr)
    # The rules also find the bank's own signals (债券发行, 对外担保 …),
    # which DuEE-Fin does not annotate: only its event types are scored.
    schema = os.path.join(a.data, "event_schema.json")
    known = None
    if os.path.exists(schema):
        known = {json.loads(l)["event_type"] for l in open(schema, encoding="utf-8") if l.strip()}
    preds = {}
    for l in r.stdout.splitlines():
        o = json.loads(l)
        preds[o["id"]] = [e for e in o.get("event_list", [])
                          if known is None or e["event_type"] in known]
    if a.dump:
        with open(a.dump, "w", encoding="utf-8") as f:
            f.write(r.stdout)
    tot, per, errors = score(gold, preds)
    print("DuEE-Fin tune set: %s" % os.path.abspath(path))
    print(table(tot, per, errors, len(gold), a.markdown, a.digits))
    if a.split:
        print("")
        print("| half | docs | type P | type R | type F1 | arg P | arg R | arg F1 |")
        print("|---|---|---|---|---|---|---|---|")
        for name, part in (("dev (even)", gold[0::2]), ("check (odd)", gold[1::2])):
            t, _, _ = score(part, preds)
            tp = prf(t["ce"], t["pe"], t["ge"])
            ap_ = prf(t["ca"], t["pa"], t["ga"])
            print(("| %s | %d | F | F | F | F | F | F |").replace("F", "%%.%df" % a.digits) % (
                (name, len(part)) + tp + ap_))
    return 0


if __name__ == "__main__":
    sys.exit(main())
