"""Array code with no knowledge of the case: storage of ties, graph and set helpers, and the reusable rules.

Plain numpy and scipy, vectorised, each tested against a slow, obvious version. The mechanisms
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
