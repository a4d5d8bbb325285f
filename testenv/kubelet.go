package main

// The node agent's kubelet endpoint: the kubelet's routes for logs, exec,
// attach and port-forward, served over TLS with a certificate from testenv's
// CA to clients with a certificate from that CA (the API server). The
// streaming protocols (SPDY and WebSocket, as the API server proxies or
// translates them) are the kubelet's own handlers from
// k8s.io/kubelet/pkg/cri/streaming, and logs are read by the kubelet's CRI log
// reader; only the "runtime" under them is local processes.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/apiserver/pkg/util/flushwriter"
	"k8s.io/client-go/tools/remotecommand"
	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
	"k8s.io/klog/v2"
	"k8s.io/kubelet/pkg/cri/streaming/portforward"
	remotecommandserver "k8s.io/kubelet/pkg/cri/streaming/remotecommand"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/core/install" // PodLogOptions from query parameters
	utilexec "k8s.io/utils/exec"
)

// The kubelet's defaults for streaming sessions.
const (
	streamIdleTimeout     = 4 * time.Hour
	streamCreationTimeout = remotecommandconsts.DefaultStreamCreationTimeout
)

// serveKubelet serves the kubelet endpoint on ln until ctx ends.
func (a *nodeAgent) serveKubelet(ctx context.Context, ln net.Listener, p *pki) error {
	cert, err := tls.LoadX509KeyPair(p.kubeletCert, p.kubeletKey)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(p.caCert)
	if err != nil {
		return err
	}
	clients := x509.NewCertPool()
	if !clients.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s: no certificate", p.caCert)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", a.serveLogs)
	for _, prefix := range []string{"/exec/{namespace}/{pod}", "/exec/{namespace}/{pod}/{uid}"} {
		mux.HandleFunc(prefix+"/{container}", a.serveExec)
	}
	for _, prefix := range []string{"/attach/{namespace}/{pod}", "/attach/{namespace}/{pod}/{uid}"} {
		mux.HandleFunc(prefix+"/{container}", a.serveAttach)
	}
	mux.HandleFunc("/portForward/{namespace}/{pod}", a.servePortForward)
	mux.HandleFunc("/portForward/{namespace}/{pod}/{uid}", a.servePortForward)
	srv := &http.Server{
		Handler: mux,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    clients,
			MinVersion:   tls.VersionTLS12,
		},
		ReadHeaderTimeout: 30 * time.Second,
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.Errorf("node agent: kubelet endpoint: %v", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return nil
}

// target finds the pod (checking its UID when the path has one) or writes 404.
func (a *nodeAgent) target(w http.ResponseWriter, r *http.Request) *podWorker {
	pw := a.worker(r.PathValue("namespace"), r.PathValue("pod"))
	if pw == nil || (r.PathValue("uid") != "" && types.UID(r.PathValue("uid")) != pw.uid) {
		http.Error(w, "pod does not exist", http.StatusNotFound)
		return nil
	}
	return pw
}

func (a *nodeAgent) serveLogs(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	// The kubelet's compatibility with the old "tail" parameter.
	if tail := query.Get("tail"); tail != "" {
		query["tailLines"] = []string{tail}
		if tail == "all" {
			delete(query, "tailLines")
		}
	}
	opts := &corev1.PodLogOptions{}
	if err := legacyscheme.ParameterCodec.DecodeParameters(query, corev1.SchemeGroupVersion, opts); err != nil {
		http.Error(w, `{"message": "Unable to decode query."}`, http.StatusBadRequest)
		return
	}
	pw := a.target(w, r)
	if pw == nil {
		return
	}
	name := r.PathValue("container")
	inst, status, err := pw.logInstance(name, opts.Previous)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	logger := klog.FromContext(r.Context())
	fw := flushwriter.Wrap(w)
	if err := logs.ReadLogs(r.Context(), &logger, inst.logPath, inst.id, logs.NewLogOptions(opts, time.Now()),
		logStatus{agent: a}, fw, fw); err != nil && r.Context().Err() == nil {
		klog.V(2).Infof("node agent: logs of %s/%s: %v", pw.key, name, err)
	}
}

// logInstance picks the instance whose log a request reads, with the
// kubelet's errors (and their HTTP statuses) when there is none.
func (w *podWorker) logInstance(name string, previous bool) (*instance, int, error) {
	w.mu.Lock()
	c := w.containers[name]
	pod := w.pod
	w.mu.Unlock()
	if c == nil {
		return nil, http.StatusNotFound, fmt.Errorf("container %q not found in pod %q", name, pod.Name)
	}
	w.state.Lock()
	defer w.state.Unlock()
	if previous {
		if last := c.lastTerminated(); last != nil {
			return last, 0, nil
		}
		return nil, http.StatusBadRequest, fmt.Errorf("previous terminated container %q in pod %q not found", name, pod.Name)
	}
	if inst := c.current(); inst != nil {
		return inst, 0, nil
	}
	return nil, http.StatusBadRequest, fmt.Errorf("container %q in pod %q is waiting to start: %s", name, pod.Name, c.waiting)
}

// logStatus answers the log reader's one question to the runtime: is the
// container still running (so that a follow goes on)? Nothing else of the
// runtime service is used.
type logStatus struct {
	internalapi.RuntimeService
	agent *nodeAgent
}

func (l logStatus) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	state := runtimeapi.ContainerState_CONTAINER_EXITED
	if inst := l.agent.instance(id); inst != nil && inst.isRunning() {
		state = runtimeapi.ContainerState_CONTAINER_RUNNING
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: state}}, nil
}

// runtime implements the kubelet streaming handlers' Executor, Attacher
// and PortForwarder for one pod.
type runtime struct{ pod *podWorker }

func (a *nodeAgent) serveExec(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommandserver.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if pw := a.target(w, r); pw != nil {
		remotecommandserver.ServeExec(w, r, runtime{pw}, pw.key, pw.uid, r.PathValue("container"),
			r.URL.Query()[corev1.ExecCommandParam], opts, streamIdleTimeout, streamCreationTimeout,
			remotecommandconsts.SupportedStreamingProtocols)
	}
}

func (a *nodeAgent) serveAttach(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommandserver.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if pw := a.target(w, r); pw != nil {
		remotecommandserver.ServeAttach(w, r, runtime{pw}, pw.key, pw.uid, r.PathValue("container"),
			opts, streamIdleTimeout, streamCreationTimeout, remotecommandconsts.SupportedStreamingProtocols)
	}
}

func (a *nodeAgent) servePortForward(w http.ResponseWriter, r *http.Request) {
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if pw := a.target(w, r); pw != nil {
		portforward.ServePortForward(w, r, runtime{pw}, pw.key, pw.uid, opts, streamIdleTimeout,
			streamCreationTimeout, portforward.SupportedProtocols)
	}
}

// running is the running instance of a container, or the runtime's error.
func (w *podWorker) running(name string) (*instance, error) {
	w.mu.Lock()
	c := w.containers[name]
	w.mu.Unlock()
	if c == nil {
		return nil, fmt.Errorf("container %q not found in pod %s", name, w.key)
	}
	w.state.Lock()
	inst := c.current()
	w.state.Unlock()
	if inst == nil || !inst.isRunning() {
		return nil, fmt.Errorf("container %q in pod %s is not running", name, w.key)
	}
	return inst, nil
}

// ExecInContainer runs cmd as a new process in the container's directory and
// environment: under a pty with tty, else with plain pipes.
func (rt runtime) ExecInContainer(ctx context.Context, _ string, _ types.UID, container string, cmd []string,
	in io.Reader, out, stderr io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	inst, err := rt.pod.running(container)
	if err != nil {
		return err
	}
	if len(cmd) == 0 {
		return errors.New("no command to execute")
	}
	path, err := lookPath(cmd[0], inst.env, inst.dir)
	if err != nil {
		// What a shell answers for a command it cannot run.
		return utilexec.CodeExitError{Err: err, Code: 127}
	}
	proc := exec.CommandContext(ctx, path, cmd[1:]...)
	proc.Args[0] = cmd[0]
	proc.Env = inst.env
	proc.Dir = inst.dir
	if tty {
		err = runInPty(proc, in, out, resize)
	} else {
		go drainResizes(resize)
		err = runWithPipes(proc, in, out, stderr)
	}
	if proc.ProcessState == nil {
		return err
	}
	if code := exitCode(proc.ProcessState, nil); code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", code), Code: int(code)}
	}
	return nil
}

func drainResizes(resize <-chan remotecommand.TerminalSize) {
	if resize == nil {
		return
	}
	for range resize {
	}
}

func runWithPipes(proc *exec.Cmd, in io.Reader, out, stderr io.WriteCloser) error {
	proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if out != nil {
		proc.Stdout = out
	}
	if stderr != nil {
		proc.Stderr = stderr
	}
	// Output a stray background process keeps open is cut a second after
	// the command exits, as a runtime's exec does.
	proc.WaitDelay = time.Second
	var stdin *os.File
	if in != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		proc.Stdin = r
		stdin = w
		defer r.Close()
	}
	if err := proc.Start(); err != nil {
		if stdin != nil {
			_ = stdin.Close()
		}
		return err
	}
	if stdin != nil {
		_ = proc.Stdin.(*os.File).Close()
		go func() {
			_, _ = io.Copy(stdin, in)
			_ = stdin.Close()
		}()
	}
	err := proc.Wait()
	if stdin != nil {
		_ = stdin.Close()
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		return nil
	}
	return err
}

func runInPty(proc *exec.Cmd, in io.Reader, out io.Writer, resize <-chan remotecommand.TerminalSize) error {
	proc.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Pdeathsig: syscall.SIGKILL}
	ptmx, err := pty.Start(proc)
	if err != nil {
		go drainResizes(resize)
		return err
	}
	defer ptmx.Close()
	go resizePty(ptmx, resize)
	if in != nil {
		go func() { _, _ = io.Copy(ptmx, in) }()
	}
	copied := make(chan struct{})
	go func() {
		if out != nil {
			_, _ = io.Copy(out, ptmx) // ends with EIO once the process and its children are gone
		} else {
			_, _ = io.Copy(io.Discard, ptmx)
		}
		close(copied)
	}()
	err = proc.Wait()
	select {
	case <-copied:
	case <-time.After(time.Second):
	}
	return err
}

func resizePty(ptmx *os.File, resize <-chan remotecommand.TerminalSize) {
	if resize == nil {
		return
	}
	for size := range resize {
		if size.Width == 0 && size.Height == 0 {
			continue
		}
		if err := pty.Setsize(ptmx, &pty.Winsize{Rows: size.Height, Cols: size.Width}); err != nil {
			klog.V(2).Infof("node agent: resizing a pty: %v", err)
		}
	}
}

// AttachContainer connects a session to the container's running instance:
// its output from now on, its stdin when the container has one (closed after
// the first session with stdinOnce), its pty's size with tty. It returns when
// the container stops or the session breaks.
func (rt runtime) AttachContainer(ctx context.Context, _ string, _ types.UID, container string,
	in io.Reader, out, stderr io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	inst, err := rt.pod.running(container)
	if err != nil {
		go drainResizes(resize)
		return err
	}
	if tty && inst.tty != nil {
		go resizePty(inst.tty, resize)
	} else {
		go drainResizes(resize)
	}
	session := &attachment{failed: make(chan struct{})}
	if out != nil {
		session.stdout = out
	}
	if stderr != nil {
		session.stderr = stderr
	}
	id, ok := inst.out.add(session)
	if !ok {
		return fmt.Errorf("container %q in pod %s is not running", container, rt.pod.key)
	}
	defer inst.out.remove(id)
	broken := make(chan struct{})
	inst.mu.Lock()
	stdin := inst.stdin
	inst.mu.Unlock()
	if in != nil {
		go func() {
			var err error
			if stdin != nil {
				_, err = io.Copy(stdin, in)
				if inst.container.spec.StdinOnce {
					_ = stdin.Close()
				}
			} else {
				_, err = io.Copy(io.Discard, in)
			}
			if err != nil {
				close(broken)
			}
		}()
	}
	select {
	case <-inst.done:
	case <-session.failed:
	case <-broken:
	case <-ctx.Done():
	}
	return nil
}

// PortForward connects a stream to 127.0.0.1:port, where the pod's
// processes listen.
func (rt runtime) PortForward(ctx context.Context, _ string, _ types.UID, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(nodeIP, strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("failed to connect to localhost:%d inside namespace of pod %s: %w", port, rt.pod.key, err)
	}
	defer conn.Close()
	go func() {
		_, _ = io.Copy(conn, stream)
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}()
	_, err = io.Copy(stream, conn)
	return err
}
