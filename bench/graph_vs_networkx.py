#!/usr/bin/env python3
"""Runs the guarantee-circle and 2-hop-neighbourhood computations of
bench_graph in NetworkX on the very same synthetic graph, side by side.

    /usr/bin/python3 bench/graph_vs_networkx.py [N_ENTERPRISES [EDGES_PER_ENT]]
                                                 default 100000 5

bench_graph (build/bench/bench_graph, `make` builds it) generates the world,
times graph/ on it and, through BENCH_EDGES, writes the edge list and its
2-hop query starts; this script loads that list into a networkx.DiGraph
(nodes are (kind, id) pairs, as in graph/) and times:
  circles  strongly connected components of more than one node in the
           subgraph of enterprise-to-enterprise guarantee edges
           (graph_circles)
  2-hop    nodes within two hops ignoring direction, all edge types, for
           the same query starts (graph_neighbourhood(..., 2, GRAPH_ALL))
Loading is not compared (graph/ reads LMDB, NetworkX a text file).
Circles are compared on CPU time (user + sys of the process) as well as wall
clock: on a shared machine the wall clock counts other jobs too.
Needs Debian's python3-networkx (scripts/install-deps.sh installs it).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, os.environ.get("OPPGRAPH_BUILD", "build"), "bench",
                     "bench_graph")
GUARANTEE, ENTERPRISE = 2, 0


def main():
    try:
        import networkx as nx
    except ImportError:
        print("graph_vs_networkx: skipped: python3-networkx is not installed "
              "(scripts/install-deps.sh installs it)")
        return 0
    n = sys.argv[1] if len(sys.argv) > 1 else "100000"
    per = sys.argv[2] if len(sys.argv) > 2 else "5"
    with tempfile.TemporaryDirectory(prefix="graph_vs_nx_") as tmp:
        edges = os.path.join(tmp, "edges.txt")
        env = dict(os.environ, BENCH_EDGES=edges, BENCH_INCR="0",
                   BENCH_OWNERS_ALL="0")
        out = subprocess.run([BENCH, n, per], env=env,
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        c = {}
        for key, pat in (("circles", r"graph_circles alone\s+([\d.]+) s"),
                         ("circles_cpu", r"graph_circles alone\s+[\d.]+ s\s+([\d.]+) s"),
                         ("ncircles", r"circles found\s+(\d+)"),
                         ("p50", r"2-hop neighbourhood p50.*?([\d.]+) us"),
                         ("p99", r"2-hop neighbourhood p99\s+([\d.]+) us"),
                         ("hood", r"nodes per 2-hop neighbourhood\s+([\d.]+)")):
            m = re.search(pat, out)
            c[key] = float(m.group(1)) if m else float("nan")

        g = nx.DiGraph()
        guar = nx.DiGraph()
        t0 = time.perf_counter()
        with open(edges) as f:
            for line in f:
                t, sk, s, dk, d = map(int, line.split())
                if s == d and sk == dk:
                    continue  # graph/ drops self-loops too
                g.add_edge((sk, s), (dk, d))
                if t == GUARANTEE and sk == ENTERPRISE and dk == ENTERPRISE:
                    guar.add_edge(s, d)
        t_load = time.perf_counter() - t0

        t0, c0 = time.perf_counter(), time.process_time()
        ncirc = sum(1 for comp in nx.strongly_connected_components(guar)
                    if len(comp) > 1)
        t_circ = time.perf_counter() - t0
        c_circ = time.process_time() - c0

        with open(edges + ".queries") as f:
            starts = [int(x) for x in f]
        ug = g.to_undirected(as_view=True)
        lat, total = [], 0
        for s in starts:
            t0 = time.perf_counter()
            node = (ENTERPRISE, s)
            if node in ug:
                total += len(nx.single_source_shortest_path_length(ug, node, cutoff=2)) - 1
            lat.append(time.perf_counter() - t0)
        lat.sort()
        p50, p99 = lat[len(lat) // 2] * 1e6, lat[len(lat) * 99 // 100] * 1e6

    print("graph_vs_networkx: %s enterprises, ~%s edges per enterprise, "
          "NetworkX %s, same graph and queries\n" % (n, per, nx.__version__))
    print("%-34s %14s %14s %10s" % ("computation", "graph/", "NetworkX", "ratio"))
    print("%-34s %12.3f s %12.3f s %9.1fx" % ("guarantee circles (wall)", c["circles"],
                                             t_circ, t_circ / c["circles"]))
    print("%-34s %12.3f s %12.3f s %9.1fx" % ("guarantee circles (cpu)", c["circles_cpu"],
                                             c_circ, c_circ / c["circles_cpu"]))
    print("%-34s %14d %14d" % ("  circles found", c["ncircles"], ncirc))
    print("%-34s %11.1f us %11.1f us %9.1fx" % ("2-hop neighbourhood p50", c["p50"], p50,
                                               p50 / c["p50"]))
    print("%-34s %11.1f us %11.1f us %9.1fx" % ("2-hop neighbourhood p99", c["p99"], p99,
                                               p99 / c["p99"]))
    print("%-34s %14.1f %14.1f" % ("  nodes per neighbourhood", c["hood"],
                                   total / len(starts)))
    print("(NetworkX built its graph from the text list in %.1f s; not compared)" % t_load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
