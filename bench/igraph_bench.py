"""The same stages in igraph (C) on the edge list customs-graph projected: load, WCC, Louvain, PageRank, personalized PageRank."""
import json, resource, sys, time
import igraph as ig

path, seeds_path = sys.argv[1], sys.argv[2]
t = {}
t0 = time.time()
src, dst, w = [], [], []
with open(path) as f:
    n = int(f.readline())
    for line in f:
        a, b, c = line.split()
        src.append(int(a)); dst.append(int(b)); w.append(float(c))
g = ig.Graph(n=n, edges=list(zip(src, dst)), directed=False)
g.es['weight'] = w
t['load'] = time.time() - t0
s = time.time(); comps = g.connected_components(); t['wcc'] = time.time() - s
s = time.time(); comm = g.community_multilevel(weights='weight'); t['louvain'] = time.time() - s
s = time.time(); pr = g.pagerank(weights='weight', damping=0.85); t['pagerank'] = time.time() - s
seeds = json.load(open(seeds_path))
s = time.time(); ppr = g.personalized_pagerank(weights='weight', damping=0.85, reset_vertices=seeds) if seeds else []; t['ppr'] = time.time() - s
t['total'] = time.time() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({'timings_s': t, 'components': len(comps), 'communities': len(comm), 'modularity': comm.modularity,
                  'peak_rss_mb': usage.ru_maxrss / 1024, 'cpu_s': usage.ru_utime + usage.ru_stime, 'system_s': usage.ru_stime,
                  'minor_faults': usage.ru_minflt}))
