#!/usr/bin/env bash
# Entrypoint of the abci-mpc image: run the CometBFT node, the abci-mpc app, or both.
#
#   both [NODE ARGS]   the app and the node side by side (default). If either stops, the
#                      other is stopped too and the container exits with the first one's code
#                      (1 if it exited 0: the pair is meant to run together). SIGTERM/SIGINT
#                      stop both cleanly.
#   node [ARGS]        abci-mpc-node start --home $CMTHOME ARGS
#   app [ARGS]         abci-mpc start --home $ABCI_MPC_HOME ARGS
#   anything else      run as a command (abci-mpc keys list, abci-mpc-node init, sh, ...)
#
# Settings come from the environment: ABCI_MPC_* for the app (see config.toml) and CMT_* for
# the node (CometBFT binds every flag, e.g. CMT_RPC_LADDR for --rpc.laddr).
set -euo pipefail

NODE_HOME="${CMTHOME:-/data/node}"
APP_HOME="${ABCI_MPC_HOME:-/data/app}"

need_home() {
    if [ ! -f "$2" ]; then
        echo "abci-mpc-entrypoint: $1 is not initialised ($2 is missing); see docs/observability.md (Docker)" >&2
        exit 2
    fi
}

run_both() {
    need_home "the node home $NODE_HOME" "$NODE_HOME/config/genesis.json"
    need_home "the app home $APP_HOME" "$APP_HOME/config.toml"
    local stopping=0 app node first="" code other other_code
    abci-mpc start --home "$APP_HOME" &
    app=$!
    abci-mpc-node start --home "$NODE_HOME" "$@" &
    node=$!
    trap 'stopping=1; kill -TERM "$app" "$node" 2>/dev/null || true' TERM INT
    set +e
    # A trapped signal interrupts `wait` before any child is named: wait again.
    while [ -z "${first:-}" ]; do
        wait -n -p first "$app" "$node"
        code=$?
        [ "$code" = 127 ] && [ -z "${first:-}" ] && break  # nothing left to wait for
    done
    if [ "${first:-}" = "$node" ]; then other=$app; else other=$node; fi
    if [ "$stopping" = 0 ]; then
        echo "abci-mpc-entrypoint: the $( [ "${first:-}" = "$node" ] && echo node || echo app ) stopped" \
             "(exit code $code); stopping the other" >&2
        [ "$code" = 0 ] && code=1
        kill -TERM "$other" 2>/dev/null
    fi
    while :; do  # a signal may interrupt this wait too: wait until the other has exited
        wait "$other"
        other_code=$?
        kill -0 "$other" 2>/dev/null || break
    done
    if [ "$stopping" = 1 ]; then  # asked to stop: clean unless a process failed on its way out
        clean() { [ "$1" = 0 ] || [ "$1" = 143 ] || [ "$1" = 130 ]; }
        if clean "$code"; then code=0; fi
        if [ "$code" = 0 ] && ! clean "$other_code"; then code=$other_code; fi
    fi
    exit "$code"
}

cmd="${1:-both}"
[ $# -gt 0 ] && shift
case "$cmd" in
    both) run_both "$@" ;;
    node) exec abci-mpc-node start --home "$NODE_HOME" "$@" ;;
    app) exec abci-mpc start --home "$APP_HOME" "$@" ;;
    *) exec "$cmd" "$@" ;;
esac
