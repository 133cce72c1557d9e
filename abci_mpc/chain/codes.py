"""Response codes of the abci-mpc app (codespace ``mpc``), for CheckTx, FinalizeBlock and Query.

A client sees the CheckTx code and log in ``broadcast_tx_sync``'s reply. The same
checks run again in FinalizeBlock (a proposer may include anything), where a
failing tx gets the same code and changes nothing.
"""

CODESPACE = "mpc"

OK = 0
MALFORMED = 1          # undecodable, non-canonical, or outside the schema's bounds
BAD_SIGNATURE = 2      # the Ed25519 signature does not verify for this chain id
UNAUTHORIZED = 3       # sender is not a genesis requester / not a member of that session
UNKNOWN_KEY = 4
KEY_NOT_READY = 5      # the key exists but is PENDING or ERROR
DUPLICATE_KEY = 6      # key_id already used (any status, incl. deleted) or pending in the mempool
DUPLICATE_SIGN_ID = 7
BAD_DIGEST = 8         # not 32 bytes
INVALID_PARTIES = 9    # threshold/party set invalid, or a party not in genesis
UNKNOWN_SESSION = 10
SESSION_CLOSED = 11    # the session already succeeded or failed: a late result changes nothing
DUPLICATE_REPORT = 12  # this party already reported for this session
INVALID_RESULT = 13    # result does not fit its session (kind, key, sign id, member flag) or does not verify
KEY_BUSY = 14          # a reshare/refresh of the key is already running or pending
DUPLICATE_TX = 15      # this exact request was already committed or is pending (replay)
KEY_DELETED = 16       # the key is deleted, or a delete is pending

# Query codes.
QUERY_NOT_FOUND = 32
QUERY_UNKNOWN_PATH = 33
QUERY_BAD_ARGUMENT = 34

NAMES = {value: name for name, value in globals().items() if name.isupper() and isinstance(value, int)}
