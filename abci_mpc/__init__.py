"""abci-mpc: CGGMP21 threshold ECDSA for CometBFT validator sets."""

__version__ = "0.1.0"
