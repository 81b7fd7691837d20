"""The metrics' graph kernels against networkx, and the per-locality tallies against the totals."""

import networkx as nx
import numpy as np
import pytest

from simulation.config import make_params
from simulation.kernels.graph import component_labels, triangles
from simulation.metrics import LOCALITY_METRICS, Snapshot, measure_localities
from simulation.model import LeadershipModel


def _csr(g: nx.Graph, n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = [sorted(g.neighbors(u)) for u in range(n)]
    indptr = np.zeros(n + 1, np.int32)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.array([v for r in rows for v in r], np.int32)
    return indptr, indices


@pytest.mark.parametrize("n, p, seed", [(30, 0.3, 1), (300, 0.03, 2), (2500, 0.004, 3), (60, 0.0, 4)])
def test_triangles_per_node_match_networkx(n, p, seed):
    g = nx.gnp_random_graph(n, p, seed=seed)
    g.add_edges_from((u, u + 1) for u in range(0, n - 1, 7))  # some paths (open wedges)
    indptr, indices = _csr(g, n)
    got = triangles(indptr, indices, n)
    want = nx.triangles(g)
    assert got.tolist() == [want[u] for u in range(n)]
    assert p == 0.0 or got.sum() > 0


def test_component_labels_partition_like_networkx():
    g = nx.disjoint_union_all([nx.path_graph(5), nx.cycle_graph(4), nx.empty_graph(3), nx.complete_graph(6)])
    n = g.number_of_nodes()
    indptr, indices = _csr(g, n)
    labels = component_labels(indptr, indices, n)
    parts = {frozenset(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)}
    assert parts == {frozenset(c) for c in nx.connected_components(g)}


def test_exact_clustering_equals_networkx_average_clustering():
    m = LeadershipModel(make_params(overrides={"population.size": 300}), seed=3)
    for _ in range(10):
        m.step()
    indptr, indices, _ = Snapshot(m).graph
    g = nx.Graph()
    g.add_nodes_from(range(m.people.n))
    rows = np.repeat(np.arange(m.people.n), np.diff(indptr))
    g.add_edges_from(zip(rows.tolist(), indices.tolist(), strict=True))
    assert g.number_of_edges() > 100
    assert Snapshot(m).clustering() == pytest.approx(nx.average_clustering(g), abs=1e-12)


def test_locality_tallies_add_up_to_the_totals():
    params = make_params(overrides={"population.size": 400, "population.localities": 3})
    m = LeadershipModel(params, seed=5)
    for _ in range(12):
        m.step()
    loc = measure_localities(m)
    now, people = m._now, m.people
    for name, _, _ in LOCALITY_METRICS:
        if name in now and name not in ("working_ties", "cross_sector_ties", "mean_confidence", "mean_energy"):
            assert loc[name].sum() == now[name], name
    assert loc["people"].tolist() == np.bincount(people.locality, minlength=3).tolist()
    assert loc["working_ties"].sum() + loc["cross_locality_ties"].sum() / 2 == now["working_ties"]
    assert loc["cross_locality_ties"].sum() > 0
    champs = (people.mindset == 3) & ~people.is_lead
    assert loc["champions"].tolist() == np.bincount(people.locality[champs], minlength=3).tolist()
