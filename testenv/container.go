package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	resourcehelper "k8s.io/kubernetes/pkg/api/v1/resource"
	"k8s.io/kubernetes/pkg/fieldpath"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// instance is one run of a container: a process, or none for a container
// without a command.
type instance struct {
	id        string // containerID, "testenv://" and 64 hex digits
	container *container
	logPath   string
	dir       string   // working directory
	env       []string // its environment, which exec sessions share
	startedAt time.Time
	out       *broadcaster  // output for attach sessions
	done      chan struct{} // closed once stopped and the output is logged

	mu         sync.Mutex
	running    bool
	pgid       int // 0 without a process
	finishedAt time.Time
	exitCode   int32
	reason     string
	message    string
	stdin      io.WriteCloser // the container's stdin, when spec.stdin
	tty        *os.File       // the pty's controlling side, when spec.tty
}

func (i *instance) isRunning() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.running
}

func (i *instance) finished() time.Time {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.finishedAt
}

func (i *instance) terminated() *corev1.ContainerStateTerminated {
	i.mu.Lock()
	defer i.mu.Unlock()
	return &corev1.ContainerStateTerminated{
		ExitCode:    i.exitCode,
		Reason:      i.reason,
		Message:     i.message,
		StartedAt:   metav1.NewTime(i.startedAt).Rfc3339Copy(),
		FinishedAt:  metav1.NewTime(i.finishedAt).Rfc3339Copy(),
		ContainerID: i.id,
	}
}

// exited records how the instance ended; the first call wins.
func (i *instance) exited(code int32, reason, message string) {
	i.mu.Lock()
	if !i.running {
		i.mu.Unlock()
		return
	}
	i.running = false
	i.finishedAt = time.Now()
	i.exitCode, i.reason, i.message = code, reason, message
	if i.stdin != nil {
		_ = i.stdin.Close()
	}
	i.mu.Unlock()
	i.out.close()
	close(i.done)
}

// signal sends sig to the container's processes. A container without a
// process stops at once, as a well-behaved one does on SIGTERM.
func (i *instance) signal(sig unix.Signal) {
	i.mu.Lock()
	pgid, running := i.pgid, i.running
	i.mu.Unlock()
	if !running {
		return
	}
	if pgid == 0 {
		i.exited(0, "Completed", "")
		return
	}
	_ = unix.Kill(-pgid, sig)
}

func newContainerID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "testenv://" + hex.EncodeToString(b)
}

// start runs a new instance of c. The error is a configuration error (an
// environment variable that cannot be resolved); a command that cannot
// start is an instance that exited with StartError, as with a runtime.
func (w *podWorker) start(ctx context.Context, pod *corev1.Pod, c *container, now time.Time) error {
	env, err := w.environment(ctx, pod, &c.spec)
	if err != nil {
		return err
	}
	if len(c.instances) > 0 {
		c.restarts++
	}
	c.waiting, c.waitingMessage = "", ""
	inst := &instance{
		id:        newContainerID(),
		container: c,
		logPath:   filepath.Join(c.logDir, fmt.Sprintf("%d.log", c.restarts)),
		dir:       filepath.Join(c.root, c.spec.WorkingDir),
		env:       env,
		startedAt: now,
		out:       newBroadcaster(),
		done:      make(chan struct{}),
		running:   true,
	}
	c.instances = append(c.instances, inst)
	w.agent.registerInstance(inst)
	klog.V(2).Infof("node agent: starting container %s of %s as %s", c.spec.Name, w.key, inst.id)

	fail := func(err error) error {
		inst.exited(128, "StartError", err.Error())
		w.poke()
		return nil
	}
	for _, d := range []string{c.logDir, inst.dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail(err)
		}
	}
	logFile, err := os.OpenFile(inst.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail(err)
	}
	argv := commandLine(&c.spec, env)
	if len(argv) == 0 {
		// Nothing to run: the container is up until it is stopped.
		_ = logFile.Close()
		return nil
	}
	path, err := lookPath(argv[0], env, inst.dir)
	if err != nil {
		_ = logFile.Close()
		return fail(err)
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Dir = inst.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	var outputs []*os.File // what the parent reads, stream by stream
	var streams []string
	var childEnds []*os.File
	if c.spec.TTY {
		ptmx, tty, err := pty.Open()
		if err != nil {
			_ = logFile.Close()
			return fail(err)
		}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Pdeathsig: syscall.SIGKILL}
		childEnds = append(childEnds, tty)
		outputs, streams = append(outputs, ptmx), append(streams, "stdout")
		inst.tty = ptmx
		if c.spec.Stdin {
			inst.stdin = nopCloser{ptmx}
		}
	} else {
		for _, stream := range []string{"stdout", "stderr"} {
			r, wr, err := os.Pipe()
			if err != nil {
				_ = logFile.Close()
				return fail(err)
			}
			childEnds = append(childEnds, wr)
			outputs, streams = append(outputs, r), append(streams, stream)
		}
		cmd.Stdout, cmd.Stderr = childEnds[0], childEnds[1]
		if c.spec.Stdin {
			r, wr, err := os.Pipe()
			if err != nil {
				_ = logFile.Close()
				return fail(err)
			}
			cmd.Stdin = r
			childEnds = append(childEnds, r)
			inst.stdin = wr
		}
	}
	err = cmd.Start()
	for _, f := range childEnds {
		_ = f.Close()
	}
	if err != nil {
		for _, f := range outputs {
			_ = f.Close()
		}
		if inst.stdin != nil {
			_ = inst.stdin.Close()
		}
		_ = logFile.Close()
		return fail(err)
	}
	inst.mu.Lock()
	inst.pgid = cmd.Process.Pid
	inst.mu.Unlock()

	log := &criLog{file: logFile}
	var copies sync.WaitGroup
	for n, r := range outputs {
		copies.Add(1)
		go func(r *os.File, stream string) {
			defer copies.Done()
			log.copy(r, stream, inst.out)
		}(r, streams[n])
	}
	go func() {
		err := cmd.Wait()
		// The container's other processes go with its main one, as in a
		// PID namespace.
		_ = unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		drained := make(chan struct{})
		go func() { copies.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(2 * time.Second):
			// A process that left the group still holds the output.
		}
		if inst.tty != nil {
			_ = inst.tty.Close()
		}
		_ = logFile.Close()
		code := exitCode(cmd.ProcessState, err)
		reason := "Completed"
		if code != 0 {
			reason = "Error"
		}
		inst.exited(code, reason, "")
		klog.V(2).Infof("node agent: container %s of %s exited with %d", c.spec.Name, w.key, code)
		w.poke()
	}()
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// exitCode is a process's exit status the way container runtimes report it:
// 128+N for death by signal N.
func exitCode(state *os.ProcessState, err error) int32 {
	if state == nil {
		if err != nil {
			return 128
		}
		return 0
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int32(ws.Signal())
	}
	return int32(state.ExitCode())
}

// commandLine is the container's command and args with $(VAR) expanded. An
// image's entrypoint is unknown here, so args alone are the command line (as
// for an image whose entrypoint is empty, such as busybox's).
func commandLine(spec *corev1.Container, env []string) []string {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	mapping := expansion.MappingFuncFor(vars)
	var argv []string
	for _, a := range append(append([]string{}, spec.Command...), spec.Args...) {
		argv = append(argv, expansion.Expand(a, mapping))
	}
	return argv
}

// lookPath resolves a command the way a container's shell would, on the
// container's PATH; a name with a slash is taken relative to dir.
func lookPath(name string, env []string, dir string) (string, error) {
	if strings.Contains(name, "/") {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if executable(path) {
			return path, nil
		}
		return "", fmt.Errorf("exec: %q: no such file or directory", name)
	}
	search := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			search = v
		}
	}
	for _, d := range filepath.SplitList(search) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if path := filepath.Join(d, name); executable(path) {
			return path, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

func executable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// environment is the container's environment: a base (PATH from testenv,
// HOME its directory, HOSTNAME the pod's), then envFrom and env in the
// kubelet's order, with $(VAR) references to earlier variables expanded.
func (w *podWorker) environment(ctx context.Context, pod *corev1.Pod, spec *corev1.Container) ([]string, error) {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	var keys []string
	vars := map[string]string{}
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			keys = append(keys, k)
		}
		vars[k] = v
	}
	set("PATH", path)
	set("HOME", filepath.Join(w.dir, "containers", spec.Name))
	set("HOSTNAME", hostname)
	if spec.TTY {
		set("TERM", "xterm")
	}
	core := w.agent.client.CoreV1()
	for _, from := range spec.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := core.ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && ptrTrue(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("configmap %q not found", from.ConfigMapRef.Name)
			}
			data = cm.Data
		case from.SecretRef != nil:
			s, err := core.Secrets(pod.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && ptrTrue(from.SecretRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("secret %q not found", from.SecretRef.Name)
			}
			data = map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
		}
		for k, v := range data {
			set(from.Prefix+k, v)
		}
	}
	for _, e := range spec.Env {
		if e.ValueFrom == nil {
			set(e.Name, expansion.Expand(e.Value, expansion.MappingFuncFor(vars)))
			continue
		}
		v, ok, err := w.envValueFrom(ctx, pod, spec, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if ok {
			set(e.Name, v)
		}
	}
	env := make([]string, 0, len(keys))
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}

func ptrTrue(b *bool) bool { return b != nil && *b }

// envValueFrom resolves one valueFrom; ok is false for a missing optional key.
func (w *podWorker) envValueFrom(ctx context.Context, pod *corev1.Pod, spec *corev1.Container, from *corev1.EnvVarSource) (string, bool, error) {
	core := w.agent.client.CoreV1()
	switch {
	case from.FieldRef != nil:
		switch from.FieldRef.FieldPath {
		case "spec.nodeName":
			return nodeName, true, nil
		case "spec.serviceAccountName":
			return pod.Spec.ServiceAccountName, true, nil
		case "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs":
			return nodeIP, true, nil
		}
		v, err := fieldpath.ExtractFieldPathAsString(pod, from.FieldRef.FieldPath)
		return v, err == nil, err
	case from.ResourceFieldRef != nil:
		v, err := resourcehelper.ExtractResourceValueByContainerName(from.ResourceFieldRef, pod, spec.Name)
		return v, err == nil, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := core.ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if ptrTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, fmt.Errorf("configmap %q not found", ref.Name)
		}
		v, ok := cm.Data[ref.Key]
		if !ok && !ptrTrue(ref.Optional) {
			return "", false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return v, ok, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		s, err := core.Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if ptrTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, fmt.Errorf("secret %q not found", ref.Name)
		}
		v, ok := s.Data[ref.Key]
		if !ok && !ptrTrue(ref.Optional) {
			return "", false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return string(v), ok, nil
	}
	return "", false, errors.New("unsupported valueFrom (testenv's node agent resolves fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef)")
}

// criLog writes a container's output to its log file in the CRI format the
// kubelet reads: "TIMESTAMP STREAM TAG CONTENT", tag F for a full line and
// P for part of one longer than maxLogLine.
type criLog struct {
	mu   sync.Mutex
	file *os.File
}

const maxLogLine = 16 * 1024

func (l *criLog) record(stream string, full bool, content []byte) {
	tag := "P"
	if full {
		tag = "F"
	}
	var b bytes.Buffer
	b.WriteString(time.Now().UTC().Format(time.RFC3339Nano))
	b.WriteByte(' ')
	b.WriteString(stream)
	b.WriteByte(' ')
	b.WriteString(tag)
	b.WriteByte(' ')
	b.Write(content)
	b.WriteByte('\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.file.Write(b.Bytes())
}

// copy logs r line by line and hands every chunk to the attach sessions.
func (l *criLog) copy(r *os.File, stream string, out *broadcaster) {
	defer r.Close()
	buf := make([]byte, 32*1024)
	var pending []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			out.write(stream, chunk)
			for len(chunk) > 0 {
				i := bytes.IndexByte(chunk, '\n')
				if i < 0 {
					pending = append(pending, chunk...)
					for len(pending) >= maxLogLine {
						l.record(stream, false, pending[:maxLogLine])
						pending = append(pending[:0], pending[maxLogLine:]...)
					}
					break
				}
				l.record(stream, true, append(pending, chunk[:i]...))
				pending = pending[:0]
				chunk = chunk[i+1:]
			}
		}
		if err != nil {
			// EOF, or EIO from a pty whose other side closed.
			break
		}
	}
	if len(pending) > 0 {
		l.record(stream, true, pending)
	}
}

// broadcaster copies a container's output to its attach sessions.
type broadcaster struct {
	mu     sync.Mutex
	next   int
	subs   map[int]*attachment
	closed bool
}

type attachment struct {
	stdout, stderr io.Writer
	failed         chan struct{}
}

func newBroadcaster() *broadcaster { return &broadcaster{subs: map[int]*attachment{}} }

// add subscribes; ok is false once the container stopped.
func (b *broadcaster) add(a *attachment) (id int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, false
	}
	b.next++
	b.subs[b.next] = a
	return b.next, true
}

func (b *broadcaster) remove(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, id)
}

func (b *broadcaster) write(stream string, p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, a := range b.subs {
		w := a.stdout
		if stream == "stderr" {
			w = a.stderr
		}
		if w == nil {
			continue
		}
		if _, err := w.Write(p); err != nil {
			delete(b.subs, id)
			close(a.failed)
		}
	}
}

func (b *broadcaster) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
}
