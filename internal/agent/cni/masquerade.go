package cni

import (
	"context"
	"fmt"
	"strings"
)

// MasqTable is the nftables table (family ip) holding the masquerade rule.
const MasqTable = "rudder-masq"

// masqueradeRules replaces the table atomically: declaring it first makes
// the delete succeed when it does not exist yet, and nft applies the whole
// script as one transaction.
func (n *Network) masqueradeRules() string {
	c := n.cluster.String()
	return fmt.Sprintf(`table ip %[1]s {}
delete table ip %[1]s
table ip %[1]s {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr %[2]s ip daddr != %[2]s masquerade
	}
}
`, MasqTable, c)
}

// installMasquerade source-NATs pod traffic leaving the cluster CIDR, and
// only that: pod-to-pod traffic across nodes keeps its source address.
func (n *Network) installMasquerade(ctx context.Context) error {
	if _, err := n.run(ctx, []byte(n.masqueradeRules()), "nft", "-f", "-"); err != nil {
		return fmt.Errorf("install masquerade table: %w", err)
	}
	return nil
}

func (n *Network) removeMasquerade(ctx context.Context) error {
	_, err := n.run(ctx, nil, "nft", "delete", "table", "ip", MasqTable)
	if err != nil && !strings.Contains(err.Error(), "No such file or directory") {
		return fmt.Errorf("remove masquerade table: %w", err)
	}
	return nil
}
