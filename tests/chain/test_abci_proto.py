"""Our ABCI .proto must agree field-for-field with CometBFT v0.38.25's own files.

CometBFT's .proto files come from the Go module cache (``go mod download``
fetches them if the node build has not already). They are compiled with the
same protoc that generates our modules, and the two descriptor sets compared.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

from abci_mpc.chain.abci import types_pb2 as abci

COMETBFT = "github.com/cometbft/cometbft@v0.38.25"
THEIR_PACKAGES = ("tendermint.abci", "tendermint.types", "tendermint.crypto")

# Every message the brief requires, and each must carry every field CometBFT
# defines (omitting deep fields is allowed by protobuf, but we chose not to).
REQUIRED = [
    f"{side}{name}"
    for side in ("Request", "Response")
    for name in (
        "Echo", "Flush", "Info", "InitChain", "Query", "CheckTx", "Commit", "ListSnapshots",
        "OfferSnapshot", "LoadSnapshotChunk", "ApplySnapshotChunk", "PrepareProposal",
        "ProcessProposal", "ExtendVote", "VerifyVoteExtension", "FinalizeBlock",
    )
] + [
    "Request", "Response", "ResponseException", "ExecTxResult", "Event", "EventAttribute",
    "ValidatorUpdate", "Validator", "Misbehavior", "CommitInfo", "ExtendedCommitInfo",
    "VoteInfo", "ExtendedVoteInfo", "Snapshot", "PublicKey", "ConsensusParams",
]


def _go_download(module: str) -> Path:
    out = subprocess.run(
        ["go", "mod", "download", "-json", module],
        capture_output=True, text=True, timeout=300, cwd="/",
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    info = json.loads(out.stdout or "{}")
    if out.returncode != 0 or "Dir" not in info:
        pytest.fail(f"go mod download {module} failed: {info.get('Error') or out.stderr}")
    return Path(info["Dir"])


@pytest.fixture(scope="module")
def cometbft_descriptors(tmp_path_factory) -> dict[str, object]:
    """Full name -> DescriptorProto / EnumDescriptorProto for CometBFT's ABCI types."""
    if shutil.which("go") is None:
        pytest.skip("Go toolchain not installed: cannot fetch CometBFT's types.proto to compare")
    cmt = _go_download(COMETBFT)
    gogo_version = re.search(
        r"github\.com/cosmos/gogoproto (v\S+)", (cmt / "go.mod").read_text()
    ).group(1)
    gogo = _go_download(f"github.com/cosmos/gogoproto@{gogo_version}")
    out = tmp_path_factory.mktemp("cmtproto") / "set.pb"
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    rc = protoc.main([
        "protoc", f"-I{cmt / 'proto'}", f"-I{gogo}", f"-I{well_known}",
        "--include_imports", f"--descriptor_set_out={out}", "tendermint/abci/types.proto",
    ])
    assert rc == 0, "protoc could not compile CometBFT's types.proto"
    fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    found: dict[str, object] = {}
    for f in fds.file:
        if f.package in THEIR_PACKAGES:
            _collect(f.package, f.message_type, f.enum_type, found)
    return found


def _collect(prefix, messages, enums, out) -> None:
    for e in enums:
        out[f"{prefix}.{e.name}"] = e
    for m in messages:
        out[f"{prefix}.{m.name}"] = m
        _collect(f"{prefix}.{m.name}", m.nested_type, m.enum_type, out)


def _ours() -> dict[str, object]:
    fdp = descriptor_pb2.FileDescriptorProto()
    abci.DESCRIPTOR.CopyToProto(fdp)
    found: dict[str, object] = {}
    _collect("", fdp.message_type, fdp.enum_type, found)
    return {name[1:]: d for name, d in found.items()}  # drop the leading "."


def _theirs(name: str, descriptors: dict[str, object]):
    """CometBFT's definition of ``name``; tendermint.abci wins (both it and types define Validator)."""
    matches = [d for p in THEIR_PACKAGES if (d := descriptors.get(f"{p}.{name}"))]
    assert matches, f"{name}: CometBFT has no such type"
    return matches[0]


def _short(type_name: str) -> str:
    """'.tendermint.abci.Foo.Bar' or '.abci_mpc.abci.Foo.Bar' -> 'Foo.Bar'; well-known types kept."""
    for pkg in (*THEIR_PACKAGES, "abci_mpc.abci"):
        if type_name.startswith(f".{pkg}."):
            return type_name[len(pkg) + 2 :]
    return type_name


def test_required_messages_are_defined():
    ours = _ours()
    missing = [n for n in REQUIRED if n not in ours]
    assert not missing


def test_every_message_matches_cometbft(cometbft_descriptors):
    for name, ours in _ours().items():
        theirs = _theirs(name, cometbft_descriptors)
        if isinstance(ours, descriptor_pb2.EnumDescriptorProto):
            assert [(v.name, v.number) for v in ours.value] == [
                (v.name, v.number) for v in theirs.value
            ], name
            continue
        their_fields = {f.number: f for f in theirs.field}
        our_fields = {f.number: f for f in ours.field}
        assert set(our_fields) == set(their_fields), f"{name}: field numbers differ"
        for number, mine in our_fields.items():
            other = their_fields[number]
            where = f"{name}.{mine.name} = {number}"
            assert mine.name == other.name, where
            assert mine.type == other.type, where
            assert mine.label == other.label, where
            assert _short(mine.type_name) == _short(other.type_name), where
            assert mine.HasField("oneof_index") == other.HasField("oneof_index"), where
            if mine.HasField("oneof_index"):
                assert (
                    ours.oneof_decl[mine.oneof_index].name
                    == theirs.oneof_decl[other.oneof_index].name
                ), where


def test_request_and_response_envelopes_are_complete(cometbft_descriptors):
    for envelope in ("Request", "Response"):
        theirs = {f.name for f in _theirs(envelope, cometbft_descriptors).field}
        ours = set(abci.DESCRIPTOR.message_types_by_name[envelope].fields_by_name)
        assert ours == theirs, envelope


def test_request_and_response_oneofs_pair_up():
    """The server relies on a request and its response sharing the oneof name."""
    requests = set(abci.Request.DESCRIPTOR.fields_by_name)
    responses = set(abci.Response.DESCRIPTOR.fields_by_name) - {"exception"}
    assert requests == responses
