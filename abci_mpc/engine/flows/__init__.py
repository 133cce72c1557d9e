"""One module per request kind: the coroutine that runs it on this node."""
