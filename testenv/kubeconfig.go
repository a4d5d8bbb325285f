package main

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The kubeconfig files testenv writes into DIR.
const (
	adminKubeconfig      = "admin.kubeconfig"
	adminFilesKubeconfig = "admin-files.kubeconfig"
	tokenKubeconfig      = "token.kubeconfig"
	limitedKubeconfig    = "limited.kubeconfig"
	limitedNamespace     = "limited"
)

// kubeconfig builds a one-cluster, one-user, one-context config.
func kubeconfig(server, namespace string, cluster *clientcmdapi.Cluster, user *clientcmdapi.AuthInfo, userName string) *clientcmdapi.Config {
	cluster.Server = server
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testenv"] = cluster
	cfg.AuthInfos[userName] = user
	cfg.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: userName, Namespace: namespace}
	cfg.CurrentContext = "testenv"
	return cfg
}

// writeKubeconfigs writes the four kubeconfigs for the given server URL.
func writeKubeconfigs(dir, server string, p *pki) error {
	ca, err := os.ReadFile(p.caCert)
	if err != nil {
		return err
	}
	crt, err := os.ReadFile(p.adminCert)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(p.adminKey)
	if err != nil {
		return err
	}
	rel := func(path string) (string, error) { return filepath.Rel(dir, path) }
	relCA, err := rel(p.caCert)
	if err != nil {
		return err
	}
	relCrt, err := rel(p.adminCert)
	if err != nil {
		return err
	}
	relKey, err := rel(p.adminKey)
	if err != nil {
		return err
	}
	configs := map[string]*clientcmdapi.Config{
		adminKubeconfig: kubeconfig(server, "default",
			&clientcmdapi.Cluster{CertificateAuthorityData: ca},
			&clientcmdapi.AuthInfo{ClientCertificateData: crt, ClientKeyData: key}, adminCN),
		adminFilesKubeconfig: kubeconfig(server, "default",
			&clientcmdapi.Cluster{CertificateAuthority: relCA},
			&clientcmdapi.AuthInfo{ClientCertificate: relCrt, ClientKey: relKey}, adminCN),
		tokenKubeconfig: kubeconfig(server, "default",
			&clientcmdapi.Cluster{CertificateAuthorityData: ca},
			&clientcmdapi.AuthInfo{Token: p.tokenAdmin}, tokenAdminUser),
		limitedKubeconfig: kubeconfig(server, limitedNamespace,
			&clientcmdapi.Cluster{CertificateAuthorityData: ca},
			&clientcmdapi.AuthInfo{Token: p.tokenLimited}, limitedUser),
	}
	for name, cfg := range configs {
		data, err := clientcmd.Write(*cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := writeFileAtomic(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
