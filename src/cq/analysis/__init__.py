"""Shared analyses that macros build on: definition lookup and call resolution (`resolve`),
Python's argument binding (`binding`), graphs, and taint. Each module works on the facts a
`cq.index.source.FactSource` hands out, loads only the files that can matter, and returns
frozen msgspec structs; none of them formats findings, which is the macros' job.
"""
