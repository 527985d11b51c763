"""The resident engine: what a long-lived cq process keeps between requests.

`cq mcp` (agents, over stdio) and `cq server` (the command line, over a unix socket) are two
front ends over one `Engine` (`core`): per root a file watcher (`watch`) and a memo of the
last discovery and fingerprints (`tree`), handed to every run through
`cq.runner.set_resident`, so a warm request neither lists nor stats the tree. Nothing here is
imported by an in-process run of the CLI.
"""
