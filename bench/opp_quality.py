#!/usr/bin/python3
"""opp_quality.py — measures the opportunity engine on a planted-truth world.

    /usr/bin/python3 bench/opp_quality.py [--bin build/oppgraph] [--data data]
        [--seed 7] [--enterprises 300] [--markdown] [--keep DIR]

Builds a synthetic world in a temp dir with scripts/gen_sample.py's helpers
(registry: enterprises, RMs with territories, clients, groups), then writes
announcements whose truth is recorded here:
  true     a real opportunity on a client (中标, 企业融资, 企业收购, 债券发行,
           质押 by the client as controlling shareholder), expected in its
           RM's push list;
  dup      the same event told again: by 2-3 sources in other words, or by
           the parent announcing its subsidiary's deal;
  trap     must not become an opportunity: a tender agent (招标代理) as the
           bid winner, an acquisition inside one group, an amount below
           data/opportunity.json's min_amount;
  risky    a true opportunity whose enterprise also announces a loss, a
           lawsuit against it or bankruptcy: it must carry a risk flag.
Then it runs the real CLI (`oppgraph ingest --now 2024-06-30`, `push-list
--json` per RM) and reports recall of true opportunities in their RM's top
20, the duplicate rate (planted events shown more than once), trap leakage
and risk-flag recall. A planted event is matched to a push-list line by
(enterprise name, event type); each planted enterprise carries at most one
event per type so the match is unambiguous.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import gen_sample as gs  # noqa: E402

NOW = "2024-06-30"


def amt_pair(rng, lo, hi):
    """One amount told two ways (the second source rounds differently)."""
    wan = rng.randint(lo, hi)
    a = f"{wan:,}万元"
    b = f"{wan / 10000:.2f}亿元" if wan >= 10000 else f"人民币{wan:,.2f}万元"
    return a, b, wan


def date_(rng):
    return f"2024-06-{rng.randint(1, 25):02d}"


# Each writer returns a list of (title, body) documents: all are reports of
# one event; the first is the formal announcement.
def ev_bid(rng, e, date, nsrc, lo=2000, hi=90000):
    proj, ten = rng.choice(gs.PROJECTS), rng.choice(gs.TENDERERS)
    a, b, _ = amt_pair(rng, lo, hi)
    docs = [(f"{e['name']}关于中标{proj}的公告", [
        "本公司及董事会全体成员保证信息披露内容的真实、准确和完整，没有虚假记载、误导性陈述或重大遗漏。",
        f"{gs.cdate(date)}，{e['name']}收到{ten}发出的《中标通知书》，确认公司为“{proj}”的中标单位，中标金额为{a}。",
        "本项目的顺利实施预计将对公司未来经营业绩产生积极影响。敬请广大投资者注意投资风险。"]),
        (f"{e['name']}斩获{b}大单", [
            f"记者获悉，{e['name']}近日中标{ten}“{proj}”，中标金额{b}。", "业内人士表示，该订单有望增厚公司全年营收。"]),
        (f"{e['name']}中标{ten}项目", [
            f"{ten}发布中标结果公告，{e['name']}成为“{proj}”中标人，中标价{a}。"])]
    return docs[:nsrc], dict(ten=ten, proj=proj, a=a)


def ev_fin(rng, e, date, nsrc, lo=3000, hi=60000):
    rnd = rng.choice(["A", "B", "C", "Pre-IPO"])
    inv = rng.sample(gs.INVESTORS, 2)
    a, b, _ = amt_pair(rng, lo, hi)
    docs = [(f"{e['alias']}完成{rnd}轮融资", [
        f"{gs.cdate(date)}，{e['name']}宣布完成{a}{rnd}轮融资，本轮融资由{inv[0]}领投，{inv[1]}跟投。",
        "本轮融资将主要用于研发投入和市场拓展。"]),
        (f"{e['alias']}获{inv[0]}领投{b}", [f"{e['name']}近日获得{b}{rnd}轮融资，投资方为{inv[0]}、{inv[1]}。"]),
        (f"{e['name']}{rnd}轮融资落定", [f"据悉，{e['name']}已完成{rnd}轮融资，融资金额{a}，{inv[0]}领投。"])]
    return docs[:nsrc], {}


def ev_acq(rng, e, target, date, nsrc, lo=5000, hi=300000):
    pct = rng.choice([51, 60, 70])
    a, b, _ = amt_pair(rng, lo, hi)
    docs = [(f"{e['name']}关于收购{target['name']}{pct}%股权的公告", [
        f"{e['name']}拟以现金{a}收购{target['name']}{pct}%股权。本次交易完成后，{target['name']}将成为公司的控股子公司。",
        "本次交易不构成关联交易，亦不构成《上市公司重大资产重组管理办法》规定的重大资产重组。"]),
        (f"{e['name']}拟{b}收购{target['alias']}控股权", [
            f"{e['name']}晚间公告，公司拟以{b}的价格收购{target['name']}{pct}%股权，进一步完善产业布局。"])]
    return docs[:nsrc], {}


def ev_bond(rng, e, date, nsrc):
    kind = rng.choice(["中期票据", "公司债券", "绿色公司债券"])
    a, b, _ = amt_pair(rng, 20000, 200000)
    docs = [(f"{e['name']}关于发行{kind}的公告", [
        f"{e['name']}于{gs.cdate(date)}完成2024年度第一期{kind}的发行，发行金额为{a}，"
        f"期限{rng.choice([3, 5])}年，票面利率{rng.randint(220, 420) / 100:.2f}%。",
        "本期债券募集资金将用于偿还有息债务及补充流动资金。"])]
    return docs[:nsrc], {}


def ev_pledge(rng, holder, listed_e, date, nsrc):
    pledgee = rng.choice(gs.BANKS)
    shares = rng.randint(300, 8000)
    p1, p2 = round(rng.uniform(5, 60), 2), round(rng.uniform(0.5, 15), 2)
    end = f"{int(date[:4]) + 1}{date[4:]}"
    docs = [(f"{listed_e['name']}关于控股股东部分股份质押的公告", [
        f"{listed_e['name']}（以下简称“公司”）于{gs.cdate(date)}接到控股股东{holder['name']}的通知，获悉其将所持有的本公司{shares:,}万股股份质押给{pledgee}，用于融资担保。",
        f"本次质押股份占其所持公司股份的{p1}%，占公司总股本的{p2}%，质押期限自{gs.cdate(date)}起至{gs.cdate(end)}止。"]),
        (f"{holder['alias']}质押{listed_e['alias']}{shares:,}万股", [
            f"{listed_e['alias']}公告称，控股股东{holder['name']}将其持有的{shares:,}万股公司股份质押给{pledgee}，占其所持股份比例{p1}%。"])]
    return docs[:nsrc], {}


def risk_doc(rng, w, e, date, kind):
    if kind == "亏损":
        return gs.ann_loss(rng, w, e, date, 0)
    if kind == "重大诉讼":
        other = rng.choice(w.ents)
        a, _, _ = amt_pair(rng, 3000, 50000)
        return (f"{e['name']}关于涉及重大诉讼的公告", [
            f"{e['name']}于{gs.cdate(date)}收到法院送达的起诉状，{other['name']}以买卖合同纠纷为由起诉{e['name']}，涉案金额{a}。",
            "目前案件尚未开庭审理，对公司本期利润的影响存在不确定性。"])
    return (f"关于{e['name']}被申请破产重整的公告", [
        f"{gs.cdate(date)}，{e['name']}的债权人以其不能清偿到期债务为由向法院申请对{e['name']}进行破产重整。",
        f"{e['name']}负债总额约{rng.randint(5, 40)}亿元。"])


def build_world(args, root):
    rng = random.Random(args.seed)
    w = gs.World(rng)
    w.make_enterprises(args.enterprises)
    gs.make_relations(w)
    rms = gs.rm_list()
    gs.write_registry(w, rms, os.path.join(root, "registry"))
    # tender agents: registered enterprises whose legal name says what they are
    agents = []
    for i, city in enumerate(["上海", "苏州", "杭州"]):
        region = {"上海": "310115", "苏州": "320505", "杭州": "330106"}[city]
        agents.append(dict(name=f"{city}{'恒信中诚'[i]}{'达远泰'[i]}招标代理有限公司", alias="", code=w.code(region)))
    with open(os.path.join(root, "registry", "06_agents.xml"), "w", encoding="utf-8") as f:
        f.write(gs.xml_head("registry") + "  <enterprises>\n")
        for a in agents:
            f.write(f'    <enterprise code="{a["code"]}">\n      <name>{a["name"]}</name>\n'
                    f'      <legal_rep>{w.person_name()}</legal_rep>\n      <industry>L72</industry>\n'
                    f'      <region>{a["code"][2:8]}</region>\n    </enterprise>\n')
        f.write("  </enterprises>\n</registry>\n")

    docs, truth = [], []

    def emit(kind, typ, names, rm, pieces, risk=None, note=""):
        truth.append(dict(id=len(truth), kind=kind, type=typ, names=names, rm=rm, risk=risk, note=note,
                          docs=len(pieces)))
        docs.extend((len(truth) - 1, t, b, d) for t, b, d in pieces)

    # client groups kept for the parent + subsidiary duplicates below: their
    # head and first subsidiary carry no other planted event, so a line
    # matched by (name, type) belongs to that event only
    pair_groups = [g for g in w.ents if g["group"] and g["client"] and g.get("subs")
                   and not g["subs"][0]["client"]][:6]
    reserved = {g["code"] for g in pair_groups} | {g["subs"][0]["code"] for g in pair_groups}
    clients = [e for e in w.ents if e["client"] and e["code"] not in reserved]
    rng.shuffle(clients)
    used = set()
    kinds = ["中标", "企业融资", "企业收购", "债券发行", "质押"]
    listed = [e for e in w.ents if e["listed"] and not e["client"]]
    for i, c in enumerate(clients):
        typ = kinds[i % len(kinds)]
        date = date_(rng)
        nsrc = 1 if i % 3 == 0 else (2 if i % 3 == 1 else 3)
        note = f"{nsrc} sources" if nsrc > 1 else ""
        if typ == "中标":
            pieces, _ = ev_bid(rng, c, date, nsrc)
        elif typ == "企业融资":
            pieces, _ = ev_fin(rng, c, date, nsrc)
        elif typ == "企业收购":
            related = {c["code"]} | {s["code"] for s in c.get("subs", [])}
            if c.get("parent"):
                related |= {c["parent"]["code"]} | {s["code"] for s in c["parent"]["subs"]}
            t = rng.choice([e for e in w.ents if e["code"] not in related and not e["group"] and not e.get("parent")])
            pieces, _ = ev_acq(rng, c, t, date, min(nsrc, 2))
        elif typ == "债券发行":
            pieces, _ = ev_bond(rng, c, date, 1)
            note = ""
        else:
            pieces, _ = ev_pledge(rng, c, rng.choice(listed), date, min(nsrc, 2))
        pieces = [(t, b, date) for t, b in pieces]
        risk = None
        if i % 6 == 5:  # a risky subject: the opportunity must carry a flag
            risk = ["亏损", "重大诉讼", "企业破产"][(i // 6) % 3]
            t, b = risk_doc(rng, w, c, f"2024-05-{rng.randint(1, 28):02d}", risk)
            pieces.append((t, b, "2024-05-15"))
        emit("true", typ, [c["name"]], c["rm"], pieces, risk, note)
        used.add(c["code"])
    # parent and subsidiary announcing the same deal (subsidiary of a client group)
    for g in pair_groups:
        s = g["subs"][0]
        date = date_(rng)
        pieces, info = ev_bid(rng, s, date, 1)
        t2 = (f"{g['name']}关于控股子公司中标的公告", [
            f"{gs.cdate(date)}，{g['name']}控股子公司{s['name']}收到{info['ten']}发出的《中标通知书》，"
            f"确认其为“{info['proj']}”的中标单位，中标金额为{info['a']}。"])
        emit("true", "中标", [s["name"], g["name"]], g["rm"],
             [(pieces[0][0], pieces[0][1], date), (t2[0], t2[1], date)], None, "parent + subsidiary")
        used.add(s["code"])
    # traps
    for a in agents:
        date = date_(rng)
        pieces, _ = ev_bid(rng, a, date, 1)
        emit("trap", "中标", [a["name"]], None, [(t, b, date) for t, b in pieces], note="tender agent")
    # (not a parent of the pairs above: its true 中标 line would count as leakage)
    for g in [g for g in w.ents if g["group"] and g.get("subs") and g["code"] not in used
              and g["code"] not in reserved][:4]:
        date = date_(rng)
        pieces, _ = ev_acq(rng, g, g["subs"][-1], date, 1)
        emit("trap", "企业收购", [g["name"]], None, [(t, b, date) for t, b in pieces], note="intra-group")
    others = [e for e in w.ents if e["code"] not in used and not e["group"]]
    for e in others[:3]:
        date = date_(rng)
        pieces, _ = ev_bid(rng, e, date, 1, 20, 90)
        emit("trap", "中标", [e["name"]], None, [(t, b, date) for t, b in pieces], note="amount < min_amount")
        used.add(e["code"])
    for e in others[3:5]:
        date = date_(rng)
        pieces, _ = ev_fin(rng, e, date, 1, 10, 80)
        emit("trap", "企业融资", [e["name"]], None, [(t, b, date) for t, b in pieces], note="amount < min_amount")
    ann = os.path.join(root, "announcements")
    os.makedirs(ann, exist_ok=True)
    for k, (tid, title, body, date) in enumerate(docs):
        src = gs.SOURCES[k % len(gs.SOURCES)]
        if args.format == "txt" or (args.format == "mixed" and k % 2):
            with open(os.path.join(ann, f"p{k:04d}.txt"), "w", encoding="utf-8") as f:
                f.write(gs.text_doc(title, body, date))
        else:
            with open(os.path.join(ann, f"p{k:04d}.html"), "w", encoding="utf-8") as f:
                f.write(gs.html_page(title, body, date, src))
    return w, rms, truth, len(docs)


def run(args):
    root = args.keep or tempfile.mkdtemp(prefix="oppq_")
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
    w, rms, truth, ndocs = build_world(args, root)
    db = os.path.join(root, "db")
    r = subprocess.run([args.bin, "ingest", "--db", db, "--data", args.data, "--now", NOW, "--quiet",
                        os.path.join(root, "registry"), os.path.join(root, "announcements")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"opp_quality: ingest failed ({r.returncode}): {r.stderr}")
    lists = {}
    for rm in rms:
        r = subprocess.run([args.bin, "push-list", "--db", db, "--rm", rm["id"], "--limit", "100000", "--json"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"opp_quality: push-list {rm['id']} failed: {r.stderr}")
        lists[rm["id"]] = json.loads(r.stdout)["opportunities"]
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)

    def hits(t, rm=None, top=None, any_type=False):
        """Push-list lines of planted event t: in RM rm's top `top` when given,
        else anywhere in any RM's full list; any_type: every event-made line
        on t's enterprises (tag marketing, 标签营销, is not event-made)."""
        out = []
        for rid, ops in lists.items():
            if rm and rid != rm:
                continue
            out += [(rid, o) for o in ops if (not top or o["rank"] <= top) and o["enterprise"] in t["names"]
                    and (o["type"] == t["type"] or (any_type and o["type"] != "标签营销"))]
        return out

    per_rm = {rm["id"]: [0, 0] for rm in rms}
    found = dup = risk_n = risk_ok = leak = 0
    true = [t for t in truth if t["kind"] == "true"]
    problems = []
    for t in true:
        rm = t["rm"]
        h = hits(t, rm, top=20)
        if rm:
            per_rm[rm][0] += 1
            per_rm[rm][1] += bool(h)
        found += bool(h)
        allh = hits(t)
        if len(allh) > 1:
            dup += 1
            problems.append(f"DUP  #{t['id']} {t['type']} {t['names'][0]} ({t['note']}): shown {len(allh)}x "
                            f"in {[(x[0], x[1]['enterprise']) for x in allh]}")
        if not h:
            problems.append(f"MISS #{t['id']} {t['type']} {t['names'][0]} ({t['note'] or '1 source'}"
                            f"{', risk ' + t['risk'] if t['risk'] else ''}) expected in {rm}'s top 20; "
                            f"found as (rm, rank, score): {[(x[0], x[1]['rank'], round(x[1]['score'], 1)) for x in allh]}")
        extra = [x for x in hits(t, any_type=True) if x[1]["type"] != t["type"]]
        if extra:
            problems.append(f"EXTRA #{t['id']} {t['type']} {t['names'][0]}: also "
                            f"{[(x[1]['type'], x[1]['explanation'][:40]) for x in extra]}")
        if t["risk"]:
            risk_n += 1
            ok = bool(allh) and all(x[1]["risk_flags"] for x in allh)
            risk_ok += ok
            if not ok:
                problems.append(f"RISK #{t['id']} {t['type']} {t['names'][0]} ({t['risk']}): "
                                f"{[x[1]['risk_flags'] for x in allh] if allh else 'no opportunity'}")
    traps = [t for t in truth if t["kind"] == "trap"]
    for t in traps:
        h = hits(t, any_type=True)
        if h:
            leak += 1
            problems.append(f"LEAK #{t['id']} {t['type']} {t['names'][0]} ({t['note']}): "
                            f"{[(x[0], x[1]['type'], x[1]['explanation'][:50]) for x in h]}")
    ndup_planted = sum(1 for t in true if t["docs"] - (1 if t["risk"] else 0) > 1)
    npair = sum(1 for t in true if t["note"] == "parent + subsidiary")
    return dict(seed=args.seed, format=args.format, ents=len(w.ents), clients=sum(e["client"] for e in w.ents), rms=len(rms),
                docs=ndocs, true=len(true), dup_planted=ndup_planted, pairs=npair, traps=len(traps), risky=risk_n,
                per_rm=per_rm, recall=found / len(true), dup_rate=dup / len(true), leak=leak,
                leak_rate=leak / len(traps), risk_recall=risk_ok / risk_n if risk_n else 1.0,
                problems=problems)


def table(res, md):
    lines = [f"World: seed {res['seed']}, {res['ents']} enterprises + 3 tender agents, {res['clients']} clients, "
             f"{res['rms']} RMs, {res['docs']} announcement files ({res['format']}); planted {res['true']} true opportunities "
             f"({res['dup_planted']} told by 2-3 documents, {res['pairs']} of them by parent and subsidiary), {res['traps']} traps, "
             f"{res['risky']} risky subjects; --now {NOW}.", ""]
    rows = [("recall in the RM's top 20 (all RMs)", f"{res['recall']:.3f}", "≥ 0.95")]
    for rm, (n, k) in res["per_rm"].items():
        if n:
            rows.append((f"  recall, {rm} ({k}/{n})", f"{k / n:.3f}", "≥ 0.95"))
    rows += [("duplicate rate (planted events shown > once)", f"{res['dup_rate']:.3f}", "0"),
             ("trap leakage (traps that became opportunities)", f"{res['leak']}/{res['traps']}", "0"),
             ("risk-flag recall", f"{res['risk_recall']:.3f}", "1.0")]
    if md:
        lines += ["| measure | value | target |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    else:
        lines += [f"{a:<50} {b:>8}   target {c}" for a, b, c in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "oppgraph"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--enterprises", type=int, default=300)
    ap.add_argument("--format", choices=["mixed", "txt", "html"], default="mixed",
                    help="announcement files: alternate HTML and text (default), or all of one kind")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--keep", help="build the world in this directory and keep it")
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"opp_quality: {args.bin} is not built (run make)")
    res = run(args)
    print(table(res, args.markdown))
    if res["problems"]:
        print("\nfindings:")
        for p in res["problems"]:
            print("  " + p)


if __name__ == "__main__":
    main()
