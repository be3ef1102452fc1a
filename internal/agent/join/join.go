// Package join turns a join token into a node's own credentials: it
// authenticates the server by the CA hash in the token, sends CSRs for the
// node's client and serving certificates with the token, and writes a
// kubeconfig with the node identity (system:node:<name>). The node never
// holds admin credentials.
package join

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rudder/internal/pki"
)

// Files are where Run leaves the node's credentials under the data dir.
type Files struct {
	Kubeconfig  string // client identity system:node:<name>
	CA          string // cluster CA (PEM)
	ServingCert string // the node agent's HTTPS certificate
	ServingKey  string
}

// Paths names the files Run writes under dataDir.
func Paths(dataDir string) Files {
	return Files{
		Kubeconfig:  filepath.Join(dataDir, "kubelet.kubeconfig"),
		CA:          filepath.Join(dataDir, "ca.crt"),
		ServingCert: filepath.Join(dataDir, "kubelet-serving.crt"),
		ServingKey:  filepath.Join(dataDir, "kubelet-serving.key"),
	}
}

// Run joins the cluster at serverURL as nodeName and returns the path of
// the node's kubeconfig. If the node joined before (all files present) it
// returns at once: a restart does not need the token again.
//
// The token is either the bare secret of the server's <data-dir>/token
// (the node then trusts whatever CA the server shows first: use only on a
// trusted network) or rudder-<CA sha256>::<secret> (Server.JoinToken): the
// CA fetched from the server must have that hash before the secret is
// sent, as k3s does with its K10 tokens.
func Run(ctx context.Context, serverURL, token, dataDir, nodeName string) (string, error) {
	files := Paths(dataDir)
	if joinedBefore(files) {
		return files.Kubeconfig, nil
	}
	caHash, secret, err := pki.ParseJoinToken(token)
	if err != nil {
		return "", err
	}
	serverURL = strings.TrimRight(serverURL, "/")
	caPEM, err := fetchCA(ctx, serverURL, caHash)
	if err != nil {
		return "", err
	}
	creds, err := requestCredentials(ctx, serverURL, secret, caPEM, nodeName)
	if err != nil {
		return "", err
	}
	if err := creds.write(files, serverURL, nodeName); err != nil {
		return "", err
	}
	return files.Kubeconfig, nil
}

func joinedBefore(f Files) bool {
	for _, p := range []string{f.Kubeconfig, f.CA, f.ServingCert, f.ServingKey} {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// fetchCA reads the server's CA without trusting the server yet, then
// checks it against the token's hash.
func fetchCA(ctx context.Context, serverURL, caHash string) ([]byte, error) {
	// Not verifying here is safe only because the hash check below (or the
	// operator's choice of a bare token) decides whether to trust the CA.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}}
	body, err := do(ctx, client, http.MethodGet, serverURL+pki.CAPath, "", nil)
	if err != nil {
		return nil, fmt.Errorf("fetching the cluster CA: %w", err)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("the server's CA answer is not a PEM certificate")
	}
	if caHash == "" {
		slog.Warn("join token carries no CA hash: trusting the CA the server presented", "server", serverURL)
		return body, nil
	}
	if err := pki.VerifyCAHash(block.Bytes, caHash); err != nil {
		return nil, err
	}
	return body, nil
}

// credentials are what the node keeps after joining.
type credentials struct {
	caPEM, clientCert, clientKey, servingCert, servingKey []byte
}

func requestCredentials(ctx context.Context, serverURL, secret string, caPEM []byte, nodeName string) (*credentials, error) {
	csr, key, err := pki.NewCSR(pki.NodeUserPrefix + nodeName)
	if err != nil {
		return nil, err
	}
	servingCSR, servingKey, err := pki.NewCSR(pki.NodeUserPrefix + nodeName)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificate in the cluster CA")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, _ := json.Marshal(pki.JoinRequest{NodeName: nodeName, CSR: string(csr), ServingCSR: string(servingCSR), Hosts: localHosts()})
	body, err := do(ctx, client, http.MethodPost, serverURL+pki.JoinPath, secret, req)
	if err != nil {
		return nil, fmt.Errorf("joining: %w", err)
	}
	var resp pki.JoinResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decoding join answer: %w", err)
	}
	if resp.ClientCertPEM == "" || resp.ServingCertPEM == "" {
		return nil, errors.New("the server did not sign the node's certificates")
	}
	return &credentials{caPEM: caPEM, clientCert: []byte(resp.ClientCertPEM), clientKey: key,
		servingCert: []byte(resp.ServingCertPEM), servingKey: servingKey}, nil
}

// localHosts are SANs for the serving certificate besides the node name.
func localHosts() []string {
	if h, err := os.Hostname(); err == nil {
		return []string{strings.ToLower(h)}
	}
	return nil
}

func do(ctx context.Context, c *http.Client, method, url, bearer string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// write stores the credentials, the kubeconfig last: its presence marks a
// finished join.
func (c *credentials) write(f Files, serverURL, nodeName string) error {
	dir := filepath.Dir(f.Kubeconfig)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, w := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{{f.CA, c.caPEM, 0o644}, {f.ServingCert, c.servingCert, 0o644}, {f.ServingKey, c.servingKey, 0o600}} {
		if err := writeFile(w.path, w.data, w.mode); err != nil {
			return err
		}
	}
	if err := pki.WriteKubeconfig(f.Kubeconfig, serverURL, c.caPEM, c.clientCert, c.clientKey, pki.NodeUserPrefix+nodeName); err != nil {
		return fmt.Errorf("writing node kubeconfig: %w", err)
	}
	return nil
}

// writeFile writes through a temporary file so a crash leaves no half file.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
