# syntax=docker/dockerfile:1
# abci-mpc validator image: the CometBFT node with the MPC channel (abci-mpc-node, Go) and the
# abci-mpc application (Python) in one image. The entrypoint runs either or both:
#   docker run IMAGE both | node [ARGS] | app [ARGS] | abci-mpc ... | abci-mpc-node ...
# Usage and a validator walk-through: docs/observability.md ("Docker").

ARG GO_VERSION=1.23
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- 1. the node: what scripts/build-node runs ------------------------------------------------
FROM golang:${GO_VERSION}-bookworm AS node
WORKDIR /src/cometbft
COPY cometbft/go.mod cometbft/go.sum ./
RUN go mod download
COPY cometbft/ ./
RUN go build -buildvcs=false -o /out/abci-mpc-node ./cmd/abci-mpc-node

# -- 2. the application: the package and its dependencies in a venv ---------------------------
FROM ${PYTHON_IMAGE} AS app
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/abci-mpc
WORKDIR /src
COPY pyproject.toml README.md ./
COPY abci_mpc/ ./abci_mpc/
RUN /opt/abci-mpc/bin/python -m pip install -q --upgrade pip \
 && /opt/abci-mpc/bin/python -m pip install -q . \
 && /opt/abci-mpc/bin/abci-mpc --version

# -- 3. the runtime: slim Python, the venv, the node binary, the entrypoint ---------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home abci \
 && mkdir -p /data/node /data/app && chown -R abci:abci /data && chmod 0700 /data
COPY --from=app /opt/abci-mpc /opt/abci-mpc
COPY --from=node /out/abci-mpc-node /usr/local/bin/abci-mpc-node
COPY docker/entrypoint.sh /usr/local/bin/abci-mpc-entrypoint
ENV PATH=/opt/abci-mpc/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CMTHOME=/data/node \
    ABCI_MPC_HOME=/data/app \
    ABCI_MPC_BRIDGE=unix:///data/node/data/mpc-bridge.sock \
    ABCI_MPC_NODE_BRIDGE=unix:///data/node/data/mpc-bridge.sock \
    ABCI_MPC_METRICS_LISTEN=0.0.0.0:26661 \
    CMT_RPC_LADDR=tcp://0.0.0.0:26657
VOLUME ["/data"]
# p2p, RPC, CometBFT's Prometheus metrics (when enabled), abci-mpc's Prometheus metrics
EXPOSE 26656 26657 26660 26661
USER abci
WORKDIR /data
ENTRYPOINT ["abci-mpc-entrypoint"]
CMD ["both"]
