package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	cmd "github.com/cometbft/cometbft/cmd/cometbft/commands"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"

	"github.com/abci-mpc/abci-mpc/cometbft/mpc"
)

const (
	bridgeFlag = "mpc.bridge"
	bridgeEnv  = "ABCI_MPC_BRIDGE"
)

// bridgeURL is the --mpc.bridge flag; empty means $ABCI_MPC_BRIDGE, then the
// default socket in the node's data directory.
var bridgeURL string

// newStartCmd is the stock start command with a node provider that adds the
// MPC reactor.
func newStartCmd() *cobra.Command {
	c := cmd.NewRunNodeCmd(newNode)
	c.Flags().StringVar(&bridgeURL, bridgeFlag, "",
		"MPC bridge listen address, unix:///abs/path.sock or tcp://127.0.0.1:PORT "+
			"(default $"+bridgeEnv+", else unix://$CMTHOME/data/mpc-bridge.sock)")
	return c
}

func resolveBridgeURL(config *cfg.Config) (string, error) {
	if bridgeURL != "" {
		return bridgeURL, nil
	}
	if env := os.Getenv(bridgeEnv); env != "" {
		return env, nil
	}
	root, err := filepath.Abs(config.RootDir)
	if err != nil {
		return "", err
	}
	return "unix://" + filepath.Join(root, cfg.DefaultDataDir, "mpc-bridge.sock"), nil
}

func newNode(config *cfg.Config, logger log.Logger) (*nm.Node, error) {
	nodeKey, err := p2p.LoadOrGenNodeKey(config.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("failed to load or gen node key %s: %w", config.NodeKeyFile(), err)
	}
	url, err := resolveBridgeURL(config)
	if err != nil {
		return nil, err
	}
	mpcLogger := logger.With("module", "mpc")
	bridge, err := mpc.NewBridge(url, mpcLogger)
	if err != nil {
		return nil, err
	}
	reactor := mpc.NewReactor(bridge)
	reactor.SetLogger(mpcLogger)
	return nm.NewNode(config,
		privval.LoadOrGenFilePV(config.PrivValidatorKeyFile(), config.PrivValidatorStateFile()),
		nodeKey,
		proxy.DefaultClientCreator(config.ProxyApp, config.ABCI, config.DBDir()),
		nm.DefaultGenesisDocProviderFunc(config),
		cfg.DefaultDBProvider,
		nm.DefaultMetricsProvider(config.Instrumentation),
		logger,
		nm.CustomReactors(map[string]p2p.Reactor{"MPC": reactor}),
	)
}
