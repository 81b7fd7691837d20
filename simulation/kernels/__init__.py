"""Array code with no knowledge of the case: storage of ties, graph and set helpers, and the reusable rules.

The tie storage (``network``) and the graph routines (``graph``) are loops compiled with numba (``_jit.jit``:
``njit`` with an on-disk cache, no ``fastmath``, so a kernel gives the bits of the numpy code it replaced); the
rest is plain numpy and scipy, vectorised, where that already runs at memory speed. Each kernel is tested against
a slow, obvious version (a plain loop or networkx, on random small inputs). The mechanisms
(:mod:`simulation.mechanisms`) call them; they never import the model, its parameters or the mechanisms.

==============  ======================================================================================
module          what it holds
==============  ======================================================================================
``network``     :class:`~simulation.kernels.network.TrustNetwork`: weighted ties as sorted arcs (CSR), the
                merge of a week's contacts, decay by class, pruning, neighbour sums and views
``arrays``      Bernoulli index draws, a cap per group, sorted unique and counts, every pair at shuffled tables
``graph``       triangles through each node and connected components of a symmetric CSR graph
``contagion``   exposure to active neighbours and the adoption rule (threshold or linear), threshold cascades
``teams``       the (p, q) team-assembly rule of Guimerà et al. (2005), with the pools as callables
==============  ======================================================================================
"""
