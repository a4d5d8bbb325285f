package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Users known to the token file.
const (
	tokenAdminUser = "token-admin"
	limitedUser    = "limited-user"
	adminCN        = "admin"
)

// pki holds the paths of everything testenv keeps under DIR/pki. Everything
// is created once and reused on later starts, so credentials stay valid.
type pki struct {
	dir         string // DIR/pki
	caCert      string
	caKey       string
	servingCert string
	servingKey  string
	adminCert   string
	adminKey    string
	// The node agent's kubelet endpoint serves with kubeletCert; the
	// apiserver presents kubeletClientCert when it calls that endpoint.
	kubeletCert       string
	kubeletKey        string
	kubeletClientCert string
	kubeletClientKey  string
	saKey             string
	saPub             string
	tokenFile         string
	tokenAdmin        string // bearer token of tokenAdminUser
	tokenLimited      string // bearer token of limitedUser
}

func newPKI(dir string) *pki {
	p := filepath.Join(dir, "pki")
	return &pki{
		dir:               p,
		caCert:            filepath.Join(p, "ca.crt"),
		caKey:             filepath.Join(p, "ca.key"),
		servingCert:       filepath.Join(p, "apiserver.crt"),
		servingKey:        filepath.Join(p, "apiserver.key"),
		adminCert:         filepath.Join(p, "admin.crt"),
		adminKey:          filepath.Join(p, "admin.key"),
		kubeletCert:       filepath.Join(p, "kubelet.crt"),
		kubeletKey:        filepath.Join(p, "kubelet.key"),
		kubeletClientCert: filepath.Join(p, "apiserver-kubelet-client.crt"),
		kubeletClientKey:  filepath.Join(p, "apiserver-kubelet-client.key"),
		saKey:             filepath.Join(p, "sa.key"),
		saPub:             filepath.Join(p, "sa.pub"),
		tokenFile:         filepath.Join(p, "tokens.csv"),
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// ensure creates whatever is missing and loads the tokens.
func (p *pki) ensure() error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	if !exists(p.caCert) || !exists(p.caKey) {
		if err := p.createCA(); err != nil {
			return fmt.Errorf("creating CA: %w", err)
		}
	}
	caCert, caKey, err := loadPair(p.caCert, p.caKey)
	if err != nil {
		return fmt.Errorf("loading CA: %w", err)
	}
	if !exists(p.servingCert) || !exists(p.servingKey) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: "kube-apiserver"},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames: []string{
				"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
				"kubernetes.default.svc.cluster.local",
			},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.0.0.1")},
		}
		if err := issue(tmpl, caCert, caKey, p.servingCert, p.servingKey); err != nil {
			return fmt.Errorf("creating serving certificate: %w", err)
		}
	}
	if !exists(p.adminCert) || !exists(p.adminKey) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: adminCN, Organization: []string{"system:masters"}},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := issue(tmpl, caCert, caKey, p.adminCert, p.adminKey); err != nil {
			return fmt.Errorf("creating admin certificate: %w", err)
		}
	}
	if !exists(p.kubeletCert) || !exists(p.kubeletKey) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: nodeName, Organization: []string{"system:nodes"}},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames:    []string{nodeName, "localhost"},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		if err := issue(tmpl, caCert, caKey, p.kubeletCert, p.kubeletKey); err != nil {
			return fmt.Errorf("creating kubelet serving certificate: %w", err)
		}
	}
	if !exists(p.kubeletClientCert) || !exists(p.kubeletClientKey) {
		// The name and group kubeadm gives the apiserver's kubelet client.
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"kubeadm:cluster-admins"}},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := issue(tmpl, caCert, caKey, p.kubeletClientCert, p.kubeletClientKey); err != nil {
			return fmt.Errorf("creating the apiserver's kubelet client certificate: %w", err)
		}
	}
	if !exists(p.saKey) || !exists(p.saPub) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			return err
		}
		if err := writePEM(p.saPub, "PUBLIC KEY", pub, 0o644); err != nil {
			return err
		}
		if err := writePEM(p.saKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), 0o600); err != nil {
			return err
		}
	}
	return p.ensureTokens()
}

func (p *pki) ensureTokens() error {
	if f, err := os.Open(p.tokenFile); err == nil {
		defer f.Close()
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		records, err := r.ReadAll()
		if err != nil {
			return fmt.Errorf("reading %s: %w", p.tokenFile, err)
		}
		for _, rec := range records {
			if len(rec) < 2 {
				continue
			}
			switch rec[1] {
			case tokenAdminUser:
				p.tokenAdmin = rec[0]
			case limitedUser:
				p.tokenLimited = rec[0]
			}
		}
		if p.tokenAdmin != "" && p.tokenLimited != "" {
			return nil
		}
	}
	if p.tokenAdmin == "" {
		p.tokenAdmin = randomToken()
	}
	if p.tokenLimited == "" {
		p.tokenLimited = randomToken()
	}
	content := fmt.Sprintf("%s,%s,%s\n%s,%s,%s\n",
		p.tokenAdmin, tokenAdminUser, "uid-"+tokenAdminUser,
		p.tokenLimited, limitedUser, "uid-"+limitedUser)
	return writeFileAtomic(p.tokenFile, []byte(content), 0o600)
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *pki) createCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "testenv-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(p.caKey, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(p.caCert, "CERTIFICATE", der, 0o644)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

func issue(tmpl, ca *x509.Certificate, caKey crypto.Signer, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.AddDate(10, 0, 0)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(keyPath, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der, 0o644)
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return nil, nil, fmt.Errorf("%s: no PEM data", certPath)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, fmt.Errorf("%s: no PEM data", keyPath)
	}
	if k, err := x509.ParseECPrivateKey(kb.Bytes); err == nil {
		return cert, k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(kb.Bytes); err == nil {
		return cert, k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: unsupported key: %w", keyPath, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New(keyPath + ": key is not a signer")
	}
	return cert, s, nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

// writeFileAtomic writes through a temporary file and a rename, so a reader
// never sees a half-written file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
