package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

const (
	// The kubelet's crash-loop back-off starts at 10s and caps at 5m; the
	// node agent's is short, so that tests see restarts quickly.
	initialBackoff = time.Second
	maxBackoff     = 10 * time.Second
	// A container that ran this long starts its back-off afresh.
	backoffReset = 10 * time.Second
	// How long a pod removed from the API (a forced delete) gets to stop.
	removedGrace = 2 * time.Second
	// How long testenv's own shutdown gives the containers.
	shutdownGrace = time.Second
)

// podWorker runs one pod, as the kubelet's pod workers do: a goroutine that
// reconciles the containers with the latest spec on every change and writes
// the status when it changed.
type podWorker struct {
	agent  *nodeAgent
	uid    types.UID
	key    string // namespace/name
	dir    string // DIR/node/pods/NAMESPACE_NAME_UID
	notify chan struct{}

	mu         sync.Mutex
	pod        *corev1.Pod // latest from the informer
	removed    bool        // gone from the API
	containers map[string]*container

	// state guards what the kubelet endpoint reads of the containers while
	// run changes it; run holds it for a whole reconcile.
	state sync.Mutex

	// Owned by run.
	order       []*container // init containers, then containers, in spec order
	startTime   metav1.Time
	terminating bool
	killAt      time.Time
	killed      bool
	finalized   bool
	terminal    bool
	written     *ownStatus
}

// container is one container of the pod across its restarts.
type container struct {
	spec     corev1.Container
	init     bool
	sidecar  bool   // an init container with restartPolicy Always
	root     string // its directory: the working directory is relative to it
	logDir   string
	restarts int32
	// Every instance started in this run, the current one last.
	instances []*instance
	// Why it is not running when it has never started: ContainerCreating,
	// CreateContainerConfigError...
	waiting, waitingMessage string
	nextStart               time.Time
	backoff                 time.Duration
	handled                 *instance // the last exit the worker acted on
	done                    bool      // it will not run again
}

func newPodWorker(a *nodeAgent, pod *corev1.Pod) *podWorker {
	w := &podWorker{
		agent:      a,
		uid:        pod.UID,
		key:        pod.Namespace + "/" + pod.Name,
		dir:        filepath.Join(a.dir, "pods", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)),
		notify:     make(chan struct{}, 1),
		pod:        pod,
		containers: map[string]*container{},
		startTime:  metav1.Now().Rfc3339Copy(),
	}
	if pod.Status.StartTime != nil {
		w.startTime = *pod.Status.StartTime
	}
	previous := map[string]corev1.ContainerStatus{}
	for _, s := range append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		previous[s.Name] = s
	}
	add := func(spec corev1.Container, init bool) {
		c := &container{
			spec:    spec,
			init:    init,
			sidecar: init && spec.RestartPolicy != nil && *spec.RestartPolicy == corev1.ContainerRestartPolicyAlways,
			root:    filepath.Join(w.dir, "containers", spec.Name),
			logDir:  filepath.Join(w.dir, "logs", spec.Name),
			waiting: "ContainerCreating",
		}
		// A pod that ran before testenv restarted on the same DIR: its
		// containers start again, which counts as a restart.
		if s, ok := previous[spec.Name]; ok && s.ContainerID != "" {
			c.restarts = s.RestartCount + 1
		}
		if !init && len(pod.Spec.InitContainers) > 0 {
			c.waiting = "PodInitializing"
		}
		w.order = append(w.order, c)
		w.containers[spec.Name] = c
	}
	for _, c := range pod.Spec.InitContainers {
		add(c, true)
	}
	for _, c := range pod.Spec.Containers {
		add(c, false)
	}
	return w
}

// update hands the worker the pod's latest state.
func (w *podWorker) update(pod *corev1.Pod, removed bool) {
	w.mu.Lock()
	w.pod = pod
	w.removed = w.removed || removed
	w.mu.Unlock()
	w.poke()
}

func (w *podWorker) poke() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

func (w *podWorker) run() {
	ctx := w.agent.ctx
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		done, wake := w.sync(ctx)
		if done {
			return
		}
		timer.Stop()
		if !wake.IsZero() {
			timer.Reset(time.Until(wake))
		}
		select {
		case <-w.notify:
		case <-timer.C:
		case <-ctx.Done():
			w.stopAll(shutdownGrace)
			return
		}
	}
}

// sync does one round of work and says when to come back (zero: on the
// next change only).
func (w *podWorker) sync(ctx context.Context) (done bool, wake time.Time) {
	w.mu.Lock()
	pod, removed := w.pod, w.removed
	w.mu.Unlock()
	now := time.Now()

	if removed {
		grace := removedGrace
		if g := gracePeriod(pod); g < grace {
			grace = g
		}
		w.stopAll(grace)
		if err := os.RemoveAll(w.dir); err != nil {
			klog.Warningf("node agent: removing %s: %v", w.dir, err)
		}
		klog.V(2).Infof("node agent: pod %s removed", w.key)
		return true, time.Time{}
	}

	if pod.DeletionTimestamp != nil {
		return false, w.terminate(ctx, pod, now)
	}

	w.state.Lock()
	wake = w.reconcile(ctx, pod, now)
	w.state.Unlock()
	if retryAt := w.writeStatus(ctx, pod, false); !retryAt.IsZero() && (wake.IsZero() || retryAt.Before(wake)) {
		wake = retryAt
	}
	return false, wake
}

// terminate stops a pod that is being deleted: SIGTERM, SIGKILL after the
// grace period, then the final status and the deletion with grace 0 that
// removes it from the API, as the kubelet does.
func (w *podWorker) terminate(ctx context.Context, pod *corev1.Pod, now time.Time) time.Time {
	if !w.terminating {
		w.terminating = true
		w.killAt = now.Add(gracePeriod(pod))
		klog.V(2).Infof("node agent: stopping pod %s (grace %v)", w.key, gracePeriod(pod))
		w.signalAll(unix.SIGTERM)
	}
	if w.anyRunning() {
		if now.Before(w.killAt) {
			return w.killAt
		}
		if !w.killed {
			w.killed = true
			w.signalAll(unix.SIGKILL)
		}
		return now.Add(time.Second)
	}
	if w.finalized {
		return time.Time{}
	}
	if retryAt := w.writeStatus(ctx, pod, true); !retryAt.IsZero() {
		return retryAt
	}
	err := w.agent.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &w.uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.Warningf("node agent: deleting pod %s: %v", w.key, err)
		return now.Add(time.Second)
	}
	w.finalized = true
	return time.Time{}
}

// gracePeriod is the time a deleted pod's containers get between SIGTERM
// and SIGKILL.
func gracePeriod(pod *corev1.Pod) time.Duration {
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	default:
		return corev1.DefaultTerminationGracePeriodSeconds * time.Second
	}
}

// reconcile acts on exits and starts what should run: the init containers
// one at a time, then all the containers.
func (w *podWorker) reconcile(ctx context.Context, pod *corev1.Pod, now time.Time) time.Time {
	var wake time.Time
	later := func(t time.Time) {
		if !t.IsZero() && (wake.IsZero() || t.Before(wake)) {
			wake = t
		}
	}
	for _, c := range w.order {
		w.handleExit(pod, c)
	}
	if w.terminal {
		return time.Time{}
	}
	initialized := true
	for _, c := range w.order {
		if !c.init {
			continue
		}
		if c.done && !c.sidecar {
			if last := c.current(); last != nil && last.exitCode != 0 {
				return time.Time{} // a failed init container with restartPolicy Never fails the pod
			}
			continue
		}
		later(w.ensureStarted(ctx, pod, c, now))
		if !c.sidecar {
			initialized = false
			break
		}
	}
	if initialized {
		for _, c := range w.order {
			if !c.init {
				later(w.ensureStarted(ctx, pod, c, now))
			}
		}
	}
	if phase := w.phase(pod, false); phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		// The pod is done: its sidecars stop, nothing restarts.
		w.terminal = true
		for _, c := range w.order {
			c.done = true
			if c.sidecar {
				if inst := c.current(); inst != nil {
					inst.signal(unix.SIGTERM)
				}
			}
		}
		return time.Time{}
	}
	return wake
}

// handleExit applies the restart policy once to a container's last exit.
func (w *podWorker) handleExit(pod *corev1.Pod, c *container) {
	inst := c.current()
	if inst == nil || inst.isRunning() || c.handled == inst {
		return
	}
	c.handled = inst
	exit := inst.exitCode
	var restart bool
	switch {
	case c.sidecar:
		restart = !w.terminal
	case c.init:
		restart = exit != 0 && pod.Spec.RestartPolicy != corev1.RestartPolicyNever
	case pod.Spec.RestartPolicy == corev1.RestartPolicyAlways:
		restart = true
	case pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure:
		restart = exit != 0
	}
	if !restart {
		c.done = true
		return
	}
	switch {
	case c.backoff == 0 || inst.finished().Sub(inst.startedAt) >= backoffReset:
		c.backoff = initialBackoff
	default:
		c.backoff = min(2*c.backoff, maxBackoff)
	}
	c.nextStart = inst.finished().Add(c.backoff)
}

// ensureStarted starts a container that should run and is not running, and
// returns when to try again.
func (w *podWorker) ensureStarted(ctx context.Context, pod *corev1.Pod, c *container, now time.Time) time.Time {
	if c.done {
		return time.Time{}
	}
	if inst := c.current(); inst != nil && inst.isRunning() {
		return time.Time{}
	}
	if now.Before(c.nextStart) {
		return c.nextStart
	}
	if err := w.start(ctx, pod, c, now); err != nil {
		c.waiting, c.waitingMessage = "CreateContainerConfigError", err.Error()
		c.nextStart = now.Add(time.Second)
		return c.nextStart
	}
	return time.Time{}
}

func (c *container) current() *instance {
	if len(c.instances) == 0 {
		return nil
	}
	return c.instances[len(c.instances)-1]
}

// restartPending says the container exited and waits out its back-off.
func (c *container) restartPending() bool {
	inst := c.current()
	return inst != nil && !inst.isRunning() && !c.done && c.handled == inst
}

// lastTerminated is the instance a status reports as lastState, and the
// one `logs --previous` reads.
func (c *container) lastTerminated() *instance {
	n := len(c.instances)
	switch {
	case n == 0:
		return nil
	case c.restartPending():
		return c.instances[n-1]
	case n >= 2:
		return c.instances[n-2]
	default:
		return nil
	}
}

func (w *podWorker) anyRunning() bool {
	w.state.Lock()
	defer w.state.Unlock()
	for _, c := range w.order {
		if inst := c.current(); inst != nil && inst.isRunning() {
			return true
		}
	}
	return false
}

func (w *podWorker) signalAll(sig unix.Signal) {
	for _, inst := range w.currentInstances() {
		inst.signal(sig)
	}
}

func (w *podWorker) currentInstances() []*instance {
	w.state.Lock()
	defer w.state.Unlock()
	var all []*instance
	for _, c := range w.order {
		if inst := c.current(); inst != nil {
			all = append(all, inst)
		}
	}
	return all
}

// stopAll stops every container within grace, then kills what is left, and
// waits for them.
func (w *podWorker) stopAll(grace time.Duration) {
	w.signalAll(unix.SIGTERM)
	deadline := time.After(grace)
	killed := false
	for _, inst := range w.currentInstances() {
	wait:
		for {
			select {
			case <-inst.done:
				break wait
			case <-deadline:
				if killed {
					klog.Warningf("node agent: container %s of %s did not stop", inst.container.spec.Name, w.key)
					break wait
				}
				killed = true
				w.signalAll(unix.SIGKILL)
				deadline = time.After(5 * time.Second)
			}
		}
	}
}

// phase follows the kubelet's rules. onDelete: the pod is stopping for
// good, so it ends Succeeded or Failed.
func (w *podWorker) phase(pod *corev1.Pod, onDelete bool) corev1.PodPhase {
	initialized := true
	for _, c := range w.order {
		if !c.init || c.sidecar {
			continue
		}
		inst := c.current()
		if c.done && inst != nil && inst.exitCode != 0 {
			return corev1.PodFailed
		}
		if !c.done {
			initialized = false
		}
	}
	var waiting, running, stopped, succeeded int
	for _, c := range w.order {
		if c.init {
			continue
		}
		inst := c.current()
		switch {
		case inst == nil:
			waiting++
		case inst.isRunning():
			running++
		default:
			stopped++
			if inst.exitCode == 0 && (c.done || onDelete) {
				succeeded++
			}
		}
	}
	if onDelete {
		if running == 0 && waiting == 0 && stopped == succeeded && initialized {
			return corev1.PodSucceeded
		}
		return corev1.PodFailed
	}
	switch {
	case !initialized, waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		switch {
		case pod.Spec.RestartPolicy == corev1.RestartPolicyAlways:
			return corev1.PodRunning
		case stopped == succeeded:
			return corev1.PodSucceeded
		case pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		default:
			return corev1.PodRunning
		}
	default:
		return corev1.PodPending
	}
}

// ownStatus is the part of a pod's status the node owns. Conditions carry
// no times here: they are merged with the stored ones on write.
type ownStatus struct {
	Phase       corev1.PodPhase
	Conditions  []corev1.PodCondition
	InitStatus  []corev1.ContainerStatus
	Status      []corev1.ContainerStatus
	StartTime   metav1.Time
	Terminating bool
}

func (w *podWorker) ownStatus(pod *corev1.Pod, onDelete bool) *ownStatus {
	s := &ownStatus{Phase: w.phase(pod, onDelete), StartTime: w.startTime, Terminating: onDelete}
	initialized, ready := true, true
	var notInitialized, notReady []string
	for _, c := range w.order {
		cs := w.containerStatus(pod, c)
		if c.init {
			s.InitStatus = append(s.InitStatus, cs)
			if !(c.done && !c.sidecar) && !(c.sidecar && cs.Started != nil && *cs.Started) {
				initialized = false
				notInitialized = append(notInitialized, c.spec.Name)
			}
			continue
		}
		s.Status = append(s.Status, cs)
		if !cs.Ready {
			ready = false
			notReady = append(notReady, c.spec.Name)
		}
	}
	condition := func(t corev1.PodConditionType, ok bool, reason, message string) corev1.PodCondition {
		if ok {
			return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}
		}
		return corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: message}
	}
	list := func(names []string) string { return "[" + strings.Join(names, " ") + "]" }
	finished := s.Phase == corev1.PodSucceeded || s.Phase == corev1.PodFailed
	readyReason, readyMessage := "ContainersNotReady", "containers with unready status: "+list(notReady)
	if finished {
		readyReason, readyMessage = "PodCompleted", ""
		ready = false
	}
	podReady := condition(corev1.PodReady, ready, readyReason, readyMessage)
	if ready {
		var gates []string
		for _, g := range pod.Spec.ReadinessGates {
			if !hasCondition(pod.Status.Conditions, g.ConditionType, corev1.ConditionTrue) {
				gates = append(gates, string(g.ConditionType))
			}
		}
		if len(gates) > 0 {
			podReady = condition(corev1.PodReady, false, "ReadinessGatesNotReady",
				"corresponding condition of pod readiness gate "+list(gates)+" does not exist.")
		}
	}
	initReason, initMessage := "ContainersNotInitialized", "containers with incomplete status: "+list(notInitialized)
	if finished && !initialized {
		initReason, initMessage = "PodCompleted", ""
	}
	s.Conditions = []corev1.PodCondition{
		condition(corev1.PodReadyToStartContainers, !finished, "", ""),
		condition(corev1.PodInitialized, initialized, initReason, initMessage),
		podReady,
		condition(corev1.ContainersReady, ready, readyReason, readyMessage),
	}
	return s
}

func hasCondition(conditions []corev1.PodCondition, t corev1.PodConditionType, status corev1.ConditionStatus) bool {
	for _, c := range conditions {
		if c.Type == t {
			return c.Status == status
		}
	}
	return false
}

func (w *podWorker) containerStatus(pod *corev1.Pod, c *container) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{
		Name:         c.spec.Name,
		Image:        c.spec.Image,
		ImageID:      "testenv://" + c.spec.Image,
		RestartCount: c.restarts,
		Started:      ptr.To(false),
	}
	if last := c.lastTerminated(); last != nil {
		cs.LastTerminationState.Terminated = last.terminated()
	}
	inst := c.current()
	switch {
	case inst == nil:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: c.waiting, Message: c.waitingMessage}
	case inst.isRunning():
		cs.ContainerID = inst.id
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(inst.startedAt).Rfc3339Copy()}
		cs.Started = ptr.To(true)
		cs.Ready = true
	case c.restartPending():
		cs.ContainerID = inst.id
		cs.State.Waiting = &corev1.ContainerStateWaiting{
			Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %v restarting failed container=%s pod=%s_%s(%s)",
				c.backoff, c.spec.Name, pod.Name, pod.Namespace, pod.UID),
		}
	default:
		cs.ContainerID = inst.id
		cs.State.Terminated = inst.terminated()
	}
	return cs
}

// writeStatus writes the pod's status when the node's part of it changed;
// a non-zero time asks to try again then.
func (w *podWorker) writeStatus(ctx context.Context, pod *corev1.Pod, onDelete bool) time.Time {
	w.state.Lock()
	own := w.ownStatus(pod, onDelete)
	w.state.Unlock()
	if w.written != nil && equality.Semantic.DeepEqual(w.written, own) {
		return time.Time{}
	}
	pods := w.agent.client.CoreV1().Pods(pod.Namespace)
	first := true
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		current := pod
		if !first {
			var err error
			if current, err = pods.Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
				return err
			}
			if current.UID != w.uid {
				return apierrors.NewNotFound(corev1.Resource("pods"), pod.Name)
			}
		}
		first = false
		updated := current.DeepCopy()
		own.applyTo(&updated.Status)
		_, err := pods.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
		return err
	})
	switch {
	case err == nil:
		w.written = own
	case apierrors.IsNotFound(err):
		w.written = own // gone: the informer will say so
	case ctx.Err() != nil:
	default:
		klog.Warningf("node agent: writing status of pod %s: %v", w.key, err)
		return time.Now().Add(time.Second)
	}
	return time.Time{}
}

// applyTo merges the node's part into a stored status: conditions that did
// not change keep their transition time, and other owners' conditions stay.
func (s *ownStatus) applyTo(status *corev1.PodStatus) {
	now := metav1.Now().Rfc3339Copy()
	owned := map[corev1.PodConditionType]bool{}
	var conditions []corev1.PodCondition
	for _, c := range s.Conditions {
		owned[c.Type] = true
		c.LastTransitionTime = now
		for _, old := range status.Conditions {
			if old.Type == c.Type && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		conditions = append(conditions, c)
	}
	for _, old := range status.Conditions {
		if !owned[old.Type] {
			conditions = append(conditions, old)
		}
	}
	order := map[corev1.PodConditionType]int{
		corev1.PodReadyToStartContainers: 0, corev1.PodInitialized: 1, corev1.PodReady: 2,
		corev1.ContainersReady: 3, corev1.PodScheduled: 4,
	}
	sort.SliceStable(conditions, func(i, j int) bool {
		oi, iok := order[conditions[i].Type]
		oj, jok := order[conditions[j].Type]
		return iok && (!jok || oi < oj)
	})
	status.Phase = s.Phase
	status.Conditions = conditions
	status.HostIP = nodeIP
	status.HostIPs = []corev1.HostIP{{IP: nodeIP}}
	status.PodIP = nodeIP
	status.PodIPs = []corev1.PodIP{{IP: nodeIP}}
	status.StartTime = &s.StartTime
	status.InitContainerStatuses = s.InitStatus
	status.ContainerStatuses = s.Status
}
