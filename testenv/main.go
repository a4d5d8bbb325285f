// Command testenv runs a real Kubernetes control plane in one process:
// embedded etcd, kube-apiserver, kube-controller-manager and kube-scheduler
// from the pinned Kubernetes release, plus one node. It is the server side of
// k8s-client's integration tests.
//
// The node (node.go) is a stand-in for a kubelet and a container runtime: it
// registers Node "testenv-node", renews its Lease, runs the containers of the
// pods bound to it as local processes (no images), writes their status, and
// serves the kubelet endpoint (logs, exec, attach, port-forward) with the
// kubelet's own streaming handlers. Everything from a client to the API
// server, and from the API server to that endpoint, is the real thing.
//
//	testenv --dir DIR [--port N] [--exit-on-stdin-close] [--remove-dir-on-exit]
//
// Everything lives in DIR: the etcd data, a CA and credentials (reused on the
// next start), four kubeconfigs, testenv.log, and under node/ the pods'
// container directories and logs. Once the control plane
// answers, testenv prints exactly one line on stdout:
//
//	ready https://127.0.0.1:PORT
//
// and runs until SIGTERM or SIGINT (or, with --exit-on-stdin-close, until its
// stdin reaches EOF), then stops the controllers, the apiserver and etcd and
// exits 0. The pods' processes are stopped with it. Fatal errors are one line on stderr and a non-zero exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // CronJob time zones without system zoneinfo

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/embed"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	basecompatibility "k8s.io/component-base/compatibility"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/klog/v2"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	apiserveroptions "k8s.io/kubernetes/cmd/kube-apiserver/app/options"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
	"k8s.io/kubernetes/cmd/kube-controller-manager/names"
)

// controllers run by the in-process kube-controller-manager.
var controllers = []string{
	names.GarbageCollectorController,
	names.NamespaceController,
	names.ServiceAccountController,
	names.ServiceAccountTokenController,
	names.RootCACertificatePublisherController,
	names.ClusterRoleAggregationController,
	names.DeploymentController,
	names.ReplicaSetController,
	names.ReplicationControllerController,
	names.StatefulSetController,
	names.DaemonSetController,
	names.JobController,
	names.CronJobController,
	names.TTLAfterFinishedController,
	names.EndpointsController,
	names.EndpointSliceController,
	names.EndpointSliceMirroringController,
	names.ResourceQuotaController,
	names.DisruptionController,
	names.PodGarbageCollectorController,
	// Removes the not-ready taint the API server puts on a new Node once
	// the node agent reports it Ready, and watches its Lease.
	names.NodeLifecycleController,
}

// realStdout and realStderr are the original stdout and stderr; fds 1 and 2
// are pointed at DIR/testenv.log so that no component can write there.
var (
	realStdout = os.Stdout
	realStderr = os.Stderr
	logPath    string
)

// fatal prints one line on the real stderr (and into the log) and exits 1.
func fatal(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\n", " ")
	if logPath != "" {
		klog.Errorf("FATAL: %s", msg)
		klog.Flush()
		if !strings.Contains(msg, logPath) {
			msg += " (log: " + logPath + ")"
		}
	}
	fmt.Fprintf(realStderr, "testenv: %s\n", msg)
	os.Exit(1)
}

func main() {
	fs := flag.NewFlagSet("testenv", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	dir := fs.String("dir", "", "directory for data, credentials, kubeconfigs and the log (required)")
	port := fs.Int("port", 0, "apiserver port on 127.0.0.1 (default: the previous one in DIR if free, else a free one)")
	stdinExit := fs.Bool("exit-on-stdin-close", false, "shut down cleanly when stdin reaches EOF (for a parent that may die)")
	removeDir := fs.Bool("remove-dir-on-exit", false, "delete DIR after a clean shutdown (for throw-away test directories)")
	readyTimeout := fs.Duration("ready-timeout", 120*time.Second, "give up if the control plane is not ready in time")
	fs.Func("apiserver-arg", "an extra kube-apiserver flag, such as --etcd-compaction-interval=2s (repeatable)", func(arg string) error {
		extraAPIServerArgs = append(extraAPIServerArgs, arg)
		return nil
	})
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if *dir == "" || fs.NArg() > 0 {
		fatal("usage: testenv --dir DIR [--port N] [--exit-on-stdin-close]")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fatal("bad --dir %q: %v", *dir, err)
	}
	code := run(abs, *port, *stdinExit, *readyTimeout)
	if code == 0 && *removeDir {
		_ = os.RemoveAll(abs)
	}
	os.Exit(code)
}

func run(dir string, port int, stdinExit bool, readyTimeout time.Duration) int {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fatal("DIR %s is not writable: %v", dir, err)
	}
	probe := filepath.Join(dir, ".write-probe")
	if err := os.WriteFile(probe, nil, 0o600); err != nil {
		fatal("DIR %s is not writable: %v", dir, err)
	}
	_ = os.Remove(probe)

	// One testenv per DIR.
	lock, err := os.OpenFile(filepath.Join(dir, "testenv.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		fatal("DIR %s is not writable: %v", dir, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fatal("DIR %s is in use by another testenv (lock %s held)", dir, lock.Name())
	}
	_ = lock.Truncate(0)
	_, _ = lock.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)

	if err := redirectOutput(filepath.Join(dir, "testenv.log")); err != nil {
		fatal("cannot open log in %s: %v", dir, err)
	}
	klog.Infof("testenv starting: dir=%s pid=%d", dir, os.Getpid())

	// Shutdown triggers.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sigs
		cancel(fmt.Errorf("signal %v", s))
		s = <-sigs
		klog.Errorf("second signal %v: exiting now", s)
		klog.Flush()
		os.Exit(1)
	}()
	if stdinExit {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel(errors.New("stdin closed"))
		}()
	}

	p := newPKI(dir)
	if err := p.ensure(); err != nil {
		fatal("credentials in %s: %v", dir, err)
	}

	ln, err := listen(dir, port)
	if err != nil {
		fatal("%v", err)
	}
	kubeletLn, err := net.Listen("tcp", nodeIP+":0")
	if err != nil {
		fatal("kubelet endpoint: cannot listen on %s: %v", nodeIP, err)
	}
	apiPort := ln.Addr().(*net.TCPAddr).Port
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	_ = writeFileAtomic(filepath.Join(dir, "port"), []byte(strconv.Itoa(apiPort)+"\n"), 0o644)
	if err := writeKubeconfigs(dir, server, p); err != nil {
		fatal("writing kubeconfigs: %v", err)
	}

	// etcd
	etcd, etcdURL, err := startEtcd(ctx, dir)
	if err != nil {
		fatal("etcd: %v", err)
	}
	klog.Infof("etcd ready at %s after %v", etcdURL, time.Since(start))

	var wg sync.WaitGroup
	apiDone := make(chan error, 1)
	if err := startAPIServer(ctx, dir, ln, apiPort, etcdURL, p, apiDone); err != nil {
		etcd.Close()
		fatal("kube-apiserver: %v", err)
	}

	ready := make(chan error, 1)
	go func() { ready <- waitReady(ctx, dir, &wg, p, readyTimeout, kubeletLn) }()
	select {
	case err := <-apiDone:
		etcd.Close()
		fatal("kube-apiserver stopped: %v", err)
	case err := <-ready:
		if err != nil {
			if ctx.Err() != nil {
				klog.Infof("shutdown requested before ready: %v", context.Cause(ctx))
				return shutdown(cancel, &wg, apiDone, etcd, dir)
			}
			fatal("%v", err)
		}
	}
	if err := writeFileAtomic(filepath.Join(dir, "server"), []byte(server+"\n"), 0o644); err != nil {
		fatal("writing %s/server: %v", dir, err)
	}
	klog.Infof("ready %s after %v", server, time.Since(start))
	fmt.Fprintf(realStdout, "ready %s\n", server)

	select {
	case <-ctx.Done():
		klog.Infof("shutting down: %v", context.Cause(ctx))
	case err := <-apiDone:
		klog.Errorf("kube-apiserver stopped unexpectedly: %v", err)
		_ = os.Remove(filepath.Join(dir, "server"))
		etcd.Close()
		fatal("kube-apiserver stopped unexpectedly: %v", err)
	}
	return shutdown(cancel, &wg, apiDone, etcd, dir)
}

func shutdown(cancel context.CancelCauseFunc, wg *sync.WaitGroup, apiDone chan error, etcd *embed.Etcd, dir string) int {
	cancel(errors.New("shutdown"))
	_ = os.Remove(filepath.Join(dir, "server"))
	done := make(chan struct{})
	go func() {
		wg.Wait()
		klog.Infof("kube-controller-manager, kube-scheduler and the node agent stopped")
		select {
		case err := <-apiDone:
			klog.Infof("kube-apiserver stopped: %v", err)
		case <-time.After(20 * time.Second):
			klog.Errorf("kube-apiserver did not stop within 20s")
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(25 * time.Second):
		klog.Errorf("components did not stop within 25s; closing etcd anyway")
	}
	etcd.Close()
	klog.Infof("etcd stopped; bye")
	klog.Flush()
	return 0
}

// redirectOutput points fds 1 and 2 at the log file, keeping the originals
// for the ready line and fatal errors.
func redirectOutput(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	out, err := syscall.Dup(1)
	if err != nil {
		return err
	}
	errFd, err := syscall.Dup(2)
	if err != nil {
		return err
	}
	syscall.CloseOnExec(out)
	syscall.CloseOnExec(errFd)
	realStdout = os.NewFile(uintptr(out), "stdout")
	realStderr = os.NewFile(uintptr(errFd), "stderr")
	if err := syscall.Dup3(int(f.Fd()), 1, 0); err != nil {
		return err
	}
	if err := syscall.Dup3(int(f.Fd()), 2, 0); err != nil {
		return err
	}
	logPath = path
	fmt.Fprintf(f, "\n===== testenv start %s pid %d =====\n", time.Now().Format(time.RFC3339), os.Getpid())
	return nil
}

// listen opens the apiserver's listener: --port if given, else the port of
// the previous run in DIR if it is free, else any free port.
func listen(dir string, port int) (net.Listener, error) {
	if port != 0 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				return nil, fmt.Errorf("port %d is already in use", port)
			}
			return nil, fmt.Errorf("cannot listen on 127.0.0.1:%d: %v", port, err)
		}
		return ln, nil
	}
	if b, err := os.ReadFile(filepath.Join(dir, "port")); err == nil {
		if prev, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && prev > 0 {
			if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", prev)); err == nil {
				return ln, nil
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1: %v", err)
	}
	return ln, nil
}

// freePort returns want if it is free, else a free port.
func freePort(want int) (int, error) {
	if want > 0 {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", want)); err == nil {
			_ = ln.Close()
			return want, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startEtcd(ctx context.Context, dir string) (*embed.Etcd, string, error) {
	// Reuse the previous ports when free: the member's peer URL is stored
	// in the data dir.
	var prevClient, prevPeer int
	portsFile := filepath.Join(dir, "etcd-ports")
	if b, err := os.ReadFile(portsFile); err == nil {
		_, _ = fmt.Sscanf(string(b), "%d %d", &prevClient, &prevPeer)
	}
	clientPort, err := freePort(prevClient)
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort(prevPeer)
	if err != nil {
		return nil, "", err
	}
	if peerPort == clientPort {
		if peerPort, err = freePort(0); err != nil {
			return nil, "", err
		}
	}
	_ = writeFileAtomic(portsFile, []byte(fmt.Sprintf("%d %d\n", clientPort, peerPort)), 0o644)

	cfg := embed.NewConfig()
	cfg.Name = "testenv"
	cfg.Dir = filepath.Join(dir, "etcd")
	cfg.UnsafeNoFsync = true
	cfg.Logger = "zap"
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{logPath}
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "5m"
	cfg.QuotaBackendBytes = 8 << 30
	cu := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	pu := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
	cfg.ListenClientUrls = []url.URL{cu}
	cfg.AdvertiseClientUrls = []url.URL{cu}
	cfg.ListenPeerUrls = []url.URL{pu}
	cfg.AdvertisePeerUrls = []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ListenMetricsUrls = nil

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, "", err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", errors.New("not ready after 60s")
	case <-ctx.Done():
		e.Close()
		return nil, "", context.Cause(ctx)
	}
	return e, cu.String(), nil
}

// extraAPIServerArgs are --apiserver-arg flags, appended to the apiserver's
// own so they win: tests that need, say, a short etcd compaction interval.
var extraAPIServerArgs []string

func startAPIServer(ctx context.Context, dir string, ln net.Listener, port int, etcdURL string, p *pki, done chan<- error) error {
	s := apiserveroptions.NewServerRunOptions()
	fss := s.Flags()
	flags := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range fss.FlagSets {
		flags.AddFlagSet(f)
	}
	args := []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--advertise-address=127.0.0.1",
		"--etcd-servers=" + etcdURL,
		"--tls-cert-file=" + p.servingCert,
		"--tls-private-key-file=" + p.servingKey,
		"--client-ca-file=" + p.caCert,
		"--token-auth-file=" + p.tokenFile,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPub,
		"--service-account-signing-key-file=" + p.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--endpoint-reconciler-type=none",
		"--kubelet-client-certificate=" + p.kubeletClientCert,
		"--kubelet-client-key=" + p.kubeletClientKey,
		"--kubelet-certificate-authority=" + p.caCert,
		"--kubelet-preferred-address-types=InternalIP",
		"--profiling=false",
		"--cert-dir=" + filepath.Join(dir, "pki", "generated"),
		"--v=0",
	}
	args = append(args, extraAPIServerArgs...)
	if err := flags.Parse(args); err != nil {
		return err
	}
	s.SecureServing.Listener = ln
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	featureGate := s.GenericServerRunOptions.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	if err := logsapi.ValidateAndApply(s.Logs, featureGate); err != nil {
		return err
	}
	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return errors.Join(errs...)
	}
	go func() { done <- apiserverapp.Run(ctx, completed) }()
	return nil
}

func startControllerManager(ctx context.Context, dir string, p *pki, wg *sync.WaitGroup) error {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return err
	}
	s.Generic.ClientConnection.Kubeconfig = filepath.Join(dir, adminKubeconfig)
	s.Generic.ClientConnection.QPS = 200
	s.Generic.ClientConnection.Burst = 400
	s.Generic.Controllers = controllers
	s.Generic.LeaderElection.LeaderElect = false
	s.SecureServing.BindPort = 0 // no serving endpoint: nothing else to clash with
	s.SAController.ServiceAccountKeyFile = p.saKey
	s.SAController.RootCAFile = p.caCert
	if err := s.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	c, err := s.Config(ctx, kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases())
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := kcmapp.Run(ctx, c.Complete()); err != nil {
			klog.Errorf("kube-controller-manager: %v", err)
		}
	}()
	return nil
}

func clientFor(path string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 5 * time.Second
	return kubernetes.NewForConfig(cfg)
}

// waitReady waits for /readyz and the default namespace, creates the
// bootstrap objects, starts the controller manager, the scheduler and the
// node agent, and checks all four kubeconfigs.
func waitReady(ctx context.Context, dir string, wg *sync.WaitGroup, p *pki, timeout time.Duration, kubeletLn net.Listener) error {
	deadline := time.Now().Add(timeout)
	admin, err := clientFor(filepath.Join(dir, adminKubeconfig))
	if err != nil {
		return err
	}
	poll := func(what string, f func() error) error {
		var last error
		for {
			if err := f(); err == nil {
				return nil
			} else {
				last = err
			}
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("not ready after %v: %s: %v", timeout, what, last)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := poll("/readyz", func() error {
		body, err := admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(body)) != "ok" {
			return fmt.Errorf("readyz: %s", body)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := poll("default namespace", func() error {
		_, err := admin.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
		return err
	}); err != nil {
		return err
	}
	klog.Infof("kube-apiserver ready")
	if err := startControllerManager(ctx, dir, p, wg); err != nil {
		return fmt.Errorf("kube-controller-manager: %v", err)
	}
	if err := startScheduler(ctx, filepath.Join(dir, adminKubeconfig), wg); err != nil {
		return fmt.Errorf("kube-scheduler: %v", err)
	}
	agentClientset, err := agentClient(filepath.Join(dir, adminKubeconfig))
	if err != nil {
		return fmt.Errorf("node agent: %v", err)
	}
	agent := newNodeAgent(agentClientset, dir, kubeletLn.Addr().(*net.TCPAddr).Port)
	if err := agent.serveKubelet(ctx, kubeletLn, p); err != nil {
		return fmt.Errorf("node agent: kubelet endpoint: %v", err)
	}
	if err := poll("node "+nodeName, func() error { return agent.start(ctx, wg) }); err != nil {
		return err
	}
	if err := poll("bootstrap objects", func() error { return bootstrap(ctx, admin) }); err != nil {
		return err
	}
	checks := map[string]func(*kubernetes.Clientset) error{
		adminKubeconfig:      getDefault(ctx),
		adminFilesKubeconfig: getDefault(ctx),
		tokenKubeconfig:      getDefault(ctx),
		limitedKubeconfig: func(c *kubernetes.Clientset) error {
			_, err := c.CoreV1().ConfigMaps(limitedNamespace).List(ctx, metav1.ListOptions{Limit: 1})
			return err
		},
	}
	for name, check := range checks {
		c, err := clientFor(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if err := poll(name, func() error { return check(c) }); err != nil {
			return err
		}
	}
	return nil
}

func getDefault(ctx context.Context) func(*kubernetes.Clientset) error {
	return func(c *kubernetes.Clientset) error {
		_, err := c.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
		return err
	}
}

// bootstrap creates the limited namespace and the bindings of the token users.
func bootstrap(ctx context.Context, c *kubernetes.Clientset) error {
	ignoreExists := func(err error) error {
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}
	labels := map[string]string{"app.kubernetes.io/managed-by": "testenv"}
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: limitedNamespace, Labels: labels},
	}, metav1.CreateOptions{}); ignoreExists(err) != nil {
		return err
	}
	if _, err := c.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "testenv:" + tokenAdminUser, Labels: labels},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: tokenAdminUser}},
	}, metav1.CreateOptions{}); ignoreExists(err) != nil {
		return err
	}
	if _, err := c.RbacV1().RoleBindings(limitedNamespace).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "testenv:" + limitedUser, Labels: labels},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: limitedUser}},
	}, metav1.CreateOptions{}); ignoreExists(err) != nil {
		return err
	}
	return nil
}
