"""`cq server`: the resident engine served to the command line over a unix socket.

`server` owns the process: the socket (bound under a temporary name, 0600, then renamed into
place), the accept loop that answers one connection at a time, the idle exit and the clean
removal of its socket; `__main__` is what `cq server start` runs in the background. The
client side is `cq.cli.forward`, the messages `cq.wire`.
"""
