#!/usr/bin/env bash
# Regenerates mpc/bridgepb/bridge.pb.go from abci_mpc/chain/bridge.proto, the
# same file the Python side is generated from (./scripts/gen-proto).
# protoc comes from grpcio-tools in the project venv; protoc-gen-go is pinned to
# the google.golang.org/protobuf version in go.mod so the code matches its runtime.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="$ROOT/.venv/bin/python"
cd "$HERE"
version="$(go list -m -f '{{.Version}}' google.golang.org/protobuf)"
GOBIN="$HERE/.bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$version"
"$PY" -m grpc_tools.protoc -I "$ROOT" \
    --plugin=protoc-gen-go="$HERE/.bin/protoc-gen-go" \
    --go_out=. --go_opt=module=github.com/abci-mpc/abci-mpc/cometbft \
    "$ROOT/abci_mpc/chain/bridge.proto"
echo "generated: mpc/bridgepb/bridge.pb.go"
