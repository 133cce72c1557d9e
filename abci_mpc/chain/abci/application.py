"""The interface between the ABCI server and an application.

Subclass :class:`Application` and override the calls you care about. Every
method receives the request message and returns the response message from
``types_pb2``. Methods are synchronous and must be deterministic where
CometBFT requires it (everything on the consensus connection): the server
calls them one at a time, in the order the node sent them, on the event loop,
so a slow method stalls every connection. Hand long work to a queue and
return at once.

Raising from a method makes the server answer with ``ResponseException``;
CometBFT treats that as fatal for the connection, so raise only when the app
cannot continue (a rejected transaction is a response code, not an exception).
"""

from __future__ import annotations

from . import types_pb2 as abci

__all__ = ["CODE_OK", "Application"]

CODE_OK = 0


def _proto_size_in_block(tx: bytes) -> int:
    """Bytes ``tx`` occupies in a block's ``Data.txs``: tag, length varint, payload.

    CometBFT checks the proposal against max_tx_bytes with this measure
    (``types.ComputeProtoSizeForTxs``), not the bare tx length.
    """
    n = len(tx)
    varint_len = 1
    while n >= 0x80:
        n >>= 7
        varint_len += 1
    return 1 + varint_len + len(tx)


class Application:
    """Does nothing, successfully: accepts every tx and proposal, keeps no state.

    The defaults mirror CometBFT's ``BaseApplication`` except where noted.
    """

    # --- info/query connection ---------------------------------------------

    def info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        """Reports the last committed height and app hash; CometBFT replays blocks after it."""
        return abci.ResponseInfo()

    def query(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        return abci.ResponseQuery(code=CODE_OK)

    # --- mempool connection ------------------------------------------------

    def check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        """Non-zero ``code`` keeps the tx out of the mempool and is returned to the submitter."""
        return abci.ResponseCheckTx(code=CODE_OK)

    # --- consensus connection ----------------------------------------------

    def init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        return abci.ResponseInitChain()

    def prepare_proposal(
        self, req: abci.RequestPrepareProposal
    ) -> abci.ResponsePrepareProposal:
        """Proposes the mempool's txs in order, stopping at the first that does not fit."""
        txs: list[bytes] = []
        total = 0
        for tx in req.txs:
            total += _proto_size_in_block(tx)
            if total > req.max_tx_bytes:
                break
            txs.append(tx)
        return abci.ResponsePrepareProposal(txs=txs)

    def process_proposal(
        self, req: abci.RequestProcessProposal
    ) -> abci.ResponseProcessProposal:
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, req: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        return abci.ResponseExtendVote()

    def verify_vote_extension(
        self, req: abci.RequestVerifyVoteExtension
    ) -> abci.ResponseVerifyVoteExtension:
        return abci.ResponseVerifyVoteExtension(
            status=abci.ResponseVerifyVoteExtension.ACCEPT
        )

    def finalize_block(
        self, req: abci.RequestFinalizeBlock
    ) -> abci.ResponseFinalizeBlock:
        """Executes the block: one ``ExecTxResult`` per tx, in order, and the new app hash."""
        return abci.ResponseFinalizeBlock(
            tx_results=[abci.ExecTxResult(code=CODE_OK) for _ in req.txs]
        )

    def commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        """Persists what finalize_block computed; after this, info must report the new height."""
        return abci.ResponseCommit()

    # --- snapshot connection (state sync unsupported by default) ------------

    def list_snapshots(
        self, req: abci.RequestListSnapshots
    ) -> abci.ResponseListSnapshots:
        return abci.ResponseListSnapshots()

    def offer_snapshot(
        self, req: abci.RequestOfferSnapshot
    ) -> abci.ResponseOfferSnapshot:
        # CometBFT's base app answers UNKNOWN, which the node also treats as
        # abort; ABORT says so explicitly.
        return abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.ABORT)

    def load_snapshot_chunk(
        self, req: abci.RequestLoadSnapshotChunk
    ) -> abci.ResponseLoadSnapshotChunk:
        return abci.ResponseLoadSnapshotChunk()

    def apply_snapshot_chunk(
        self, req: abci.RequestApplySnapshotChunk
    ) -> abci.ResponseApplySnapshotChunk:
        return abci.ResponseApplySnapshotChunk(
            result=abci.ResponseApplySnapshotChunk.ABORT
        )
