package main

import (
	"testing"

	cfg "github.com/cometbft/cometbft/config"
)

func TestBridgeURLPrecedence(t *testing.T) {
	config := cfg.DefaultConfig()
	config.SetRoot("/srv/node")

	t.Setenv(bridgeEnv, "")
	bridgeURL = ""
	if got, _ := resolveBridgeURL(config); got != "unix:///srv/node/data/mpc-bridge.sock" {
		t.Fatalf("default: %s", got)
	}
	t.Setenv(bridgeEnv, "tcp://127.0.0.1:7000")
	if got, _ := resolveBridgeURL(config); got != "tcp://127.0.0.1:7000" {
		t.Fatalf("env: %s", got)
	}
	bridgeURL = "unix:///run/b.sock"
	t.Cleanup(func() { bridgeURL = "" })
	if got, _ := resolveBridgeURL(config); got != "unix:///run/b.sock" {
		t.Fatalf("flag: %s", got)
	}
}
