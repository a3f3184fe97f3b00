#!/usr/bin/python3
"""Knowledge-base search quality: nDCG@10 and MRR of oppgraph against SQLite
FTS5 (unicode61 and trigram tokenizers) on the same corpus and queries.

Corpus: data/kb/articles (read by `oppgraph kb add`; for FTS5 the same files
are parsed here: "# " title line, header block, body).  Queries and graded
judgements: data/kb/queries.tsv.  oppgraph is queried through
`oppgraph kb search --json --page-size 10`; FTS5 through python's sqlite3
with bm25(title weight 3, body 1) and the query's space-separated words as
quoted strings (implicit AND, like oppgraph's default).  MRR counts the first
hit of grade >= 2.  Run with Debian's /usr/bin/python3:

    /usr/bin/python3 bench/kb_eval.py --bin build/oppgraph
"""
import argparse, glob, json, math, os, re, sqlite3, subprocess, sys, tempfile

def read_queries(path):
    qs = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        q, j = line.split("\t")
        rel = {int(a): int(b) for a, b in (x.split(":") for x in j.split())}
        qs.append((q, rel))
    return qs

def read_articles(folder):
    arts = []
    for f in sorted(glob.glob(os.path.join(folder, "*.md"))):
        lines = open(f, encoding="utf-8").read().split("\n")
        title, body, i = "", [], 0
        if lines and lines[0].startswith("# "):
            title = lines[0][2:].strip(); i = 1
            while i < len(lines) and re.match(r"^\w+\s*:", lines[i]):
                i += 1
        body = "\n".join(lines[i:]).strip()
        aid = int(re.match(r"(\d+)", os.path.basename(f)).group(1))
        arts.append((aid, title, body))
    return arts

def ndcg10(ranked, rel):
    dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0

def rr(ranked, rel):
    for i, d in enumerate(ranked[:10]):
        if rel.get(d, 0) >= 2:
            return 1.0 / (i + 1)
    return 0.0

def run_oppgraph(binary, db, q):
    r = subprocess.run([binary, "kb", "search", "--db", db, "--json",
                        "--page-size", "10", q], capture_output=True, text=True)
    if r.returncode != 0:
        return []
    return [h["id"] for h in json.loads(r.stdout)["hits"]]

def fts_db(arts, tokenizer):
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE VIRTUAL TABLE kb USING fts5(title, body, tokenize='{tokenizer}')")
    con.executemany("INSERT INTO kb(rowid, title, body) VALUES (?,?,?)", arts)
    return con

def run_fts(con, q):
    words = [w for w in q.split() if w]
    expr = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    try:
        return [r[0] for r in con.execute(
            "SELECT rowid FROM kb WHERE kb MATCH ? ORDER BY bm25(kb, 3.0, 1.0) LIMIT 10", (expr,))]
    except sqlite3.OperationalError:
        return []

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/oppgraph")
    ap.add_argument("--data", default="data")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    queries = read_queries(os.path.join(a.data, "kb/queries.tsv"))
    arts = read_articles(os.path.join(a.data, "kb/articles"))
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "kb.db")
        env = dict(os.environ, OPPGRAPH_DATA=a.data)
        subprocess.run([a.bin, "kb", "add", "--db", db, os.path.join(a.data, "kb/articles")],
                       check=True, capture_output=True, env=env)
        os.environ["OPPGRAPH_DATA"] = a.data
        systems = [("oppgraph (dict + bigrams, BM25)", lambda q: run_oppgraph(a.bin, db, q))]
        for tok in ("unicode61", "trigram"):
            con = fts_db(arts, tok)
            systems.append((f"SQLite {sqlite3.sqlite_version} FTS5 {tok}", lambda q, c=con: run_fts(c, q)))
        print(f"corpus: {len(arts)} articles of {a.data}/kb/articles; {len(queries)} queries of {a.data}/kb/queries.tsv\n")
        print("| system | nDCG@10 | MRR | queries with no hit |")
        print("| --- | --- | --- | --- |")
        for name, fn in systems:
            nd = mr = 0.0; empty = 0
            for q, rel in queries:
                ranked = fn(q)
                empty += not ranked
                n = ndcg10(ranked, rel); nd += n; mr += rr(ranked, rel)
                if a.verbose and name.startswith("oppgraph") and n < 0.6:
                    print(f"  low: {q!r} -> {ranked[:5]} (want {rel})", file=sys.stderr)
            print(f"| {name} | {nd/len(queries):.3f} | {mr/len(queries):.3f} | {empty} |")

if __name__ == "__main__":
    main()
