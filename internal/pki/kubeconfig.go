package pki

import (
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeconfigName names the cluster and the context in every kubeconfig we write.
const kubeconfigName = "rudder"

// Kubeconfig renders a kubeconfig with one cluster, one user and one current
// context. Certificates and keys are embedded so the file works when copied
// to another machine.
func Kubeconfig(serverURL string, caPEM, certPEM, keyPEM []byte, user string) ([]byte, error) {
	if serverURL == "" || user == "" {
		return nil, errors.New("kubeconfig needs a server URL and a user name")
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[kubeconfigName] = &clientcmdapi.Cluster{
		Server:                   serverURL,
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: certPEM,
		ClientKeyData:         keyPEM,
	}
	cfg.Contexts[kubeconfigName] = &clientcmdapi.Context{
		Cluster:  kubeconfigName,
		AuthInfo: user,
	}
	cfg.CurrentContext = kubeconfigName
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding kubeconfig: %w", err)
	}
	return data, nil
}

// WriteKubeconfig writes Kubeconfig(...) to path atomically with mode 0600,
// since it holds a private key.
func WriteKubeconfig(path, serverURL string, caPEM, certPEM, keyPEM []byte, user string) error {
	data, err := Kubeconfig(serverURL, caPEM, certPEM, keyPEM, user)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, data, secretMode); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	return nil
}
