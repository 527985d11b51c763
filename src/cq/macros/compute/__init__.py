"""The compute modules of the macros: one per macro, named like its spec module in
`cq.macros`, each defining `compute(params, source, discovery, settings) -> Outcome`. Imported
on a cache miss only (`cq.macros.compute_module`).
"""
