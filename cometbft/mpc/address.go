package mpc

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// maxUnixPath is the longest socket path every supported OS accepts
// (sockaddr_un.sun_path is 104 bytes on the BSDs, 108 on Linux).
const maxUnixPath = 103

// ParseAddress splits a bridge URL, unix:///abs/path.sock or
// tcp://127.0.0.1:PORT, into a network and an address for net.Listen.
// TCP must be loopback: the bridge is unauthenticated, so anyone who can
// connect to it can speak for this node on the MPC channel.
func ParseAddress(url string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(url, "unix://"):
		path := strings.TrimPrefix(url, "unix://")
		if !filepath.IsAbs(path) {
			return "", "", fmt.Errorf("bridge address %q: unix socket path must be absolute", url)
		}
		if len(path) > maxUnixPath {
			return "", "", fmt.Errorf("bridge address %q: unix socket path is %d bytes, the OS limit is %d; choose a shorter path", url, len(path), maxUnixPath)
		}
		return "unix", path, nil
	case strings.HasPrefix(url, "tcp://"):
		hostport := strings.TrimPrefix(url, "tcp://")
		host, _, err := net.SplitHostPort(hostport)
		if err != nil {
			return "", "", fmt.Errorf("bridge address %q: %w", url, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", "", fmt.Errorf("bridge address %q: tcp host must be a loopback address", url)
		}
		return "tcp", hostport, nil
	default:
		return "", "", fmt.Errorf("bridge address %q: want unix:///abs/path.sock or tcp://127.0.0.1:PORT", url)
	}
}
