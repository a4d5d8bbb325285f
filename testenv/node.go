package main

// The node agent: a stand-in for a kubelet and a container runtime. It
// registers one Node, renews its Lease, runs the containers of the Pods bound
// to it as local processes and writes their status, and serves the kubelet
// endpoint (kubelet.go). Everything from a client to the API server, the
// scheduler and the controllers is the real code of the pinned release; only
// what happens on the node is simulated:
//
//   - no image is pulled: a container runs its command (or, with no command,
//     its args) resolved on PATH, as a process of testenv's user in its own
//     process group; a container with neither is kept "running" without a
//     process until it is stopped;
//   - its working directory is workingDir taken relative to the container's
//     own directory, DIR/node/pods/NS_NAME_UID/containers/NAME, which
//     outlives restarts; HOME is that directory, PATH is testenv's;
//   - env and envFrom are resolved as the kubelet does (values with $(VAR)
//     expansion, fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef,
//     ConfigMap and Secret sources); no service variables are added;
//   - output goes to DIR/node/pods/.../logs/NAME/N.log in the CRI log format,
//     one file per restart, which is what `logs --previous` reads;
//   - restartPolicy is honoured with a crash-loop back-off of 1s doubling to
//     10s; init containers run in order, sidecars (restartPolicy Always) too;
//   - every pod has IP 127.0.0.1 and shares the host's network, so a
//     container's process listens on 127.0.0.1:PORT, where port-forward dials;
//   - probes, lifecycle hooks, volumes, resource limits, security contexts,
//     ephemeral containers and image pull policies are ignored: a started
//     container is ready; no events are recorded for containers.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"k8s.io/component-base/version"
	"k8s.io/component-helpers/apimachinery/lease"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

const (
	// nodeName is the one node testenv registers.
	nodeName = "testenv-node"
	// nodeIP is the node's address and every pod's IP.
	nodeIP = "127.0.0.1"
	// leaseDurationSeconds and leaseRenewInterval are the kubelet's defaults.
	leaseDurationSeconds = 40
	leaseRenewInterval   = 10 * time.Second
)

// nodeAgent owns the node's pods: one podWorker per pod UID.
type nodeAgent struct {
	ctx        context.Context // ends at testenv's shutdown
	client     kubernetes.Interface
	dir        string // DIR/node
	port       int    // the kubelet endpoint's port
	mu         sync.Mutex
	workers    map[types.UID]*podWorker
	byName     map[string]*podWorker // "namespace/name" of the pods not yet removed
	containers map[string]*instance  // container ID → instance, for the log reader
	wg         sync.WaitGroup
}

// agentClient is the admin's client without a request timeout, which would
// cut the agent's watches.
func agentClient(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS = 200
	cfg.Burst = 400
	cfg.UserAgent = rest.DefaultKubernetesUserAgent() + " testenv-node-agent"
	return kubernetes.NewForConfig(cfg)
}

func newNodeAgent(client kubernetes.Interface, dir string, port int) *nodeAgent {
	return &nodeAgent{
		client:     client,
		dir:        filepath.Join(dir, "node"),
		port:       port,
		workers:    map[types.UID]*podWorker{},
		byName:     map[string]*podWorker{},
		containers: map[string]*instance{},
	}
}

// start registers the node, then renews its lease and runs its pods until
// ctx ends; wg is done once every container process is gone.
func (a *nodeAgent) start(ctx context.Context, wg *sync.WaitGroup) error {
	a.ctx = ctx
	if err := os.MkdirAll(filepath.Join(a.dir, "pods"), 0o755); err != nil {
		return err
	}
	if err := a.register(ctx); err != nil {
		return fmt.Errorf("registering node %s: %w", nodeName, err)
	}
	leases := lease.NewController(clock.RealClock{}, a.client, nodeName, leaseDurationSeconds, nil,
		leaseRenewInterval, nodeName, corev1.NamespaceNodeLease, a.ownLease)
	factory := informers.NewSharedInformerFactoryWithOptions(a.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = "spec.nodeName=" + nodeName
		}))
	pods := factory.Core().V1().Pods().Informer()
	if _, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { a.podChanged(obj) },
		UpdateFunc: func(_, obj any) { a.podChanged(obj) },
		DeleteFunc: a.podRemoved,
	}); err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		go leases.Run(ctx)
		factory.Start(ctx.Done())
		<-ctx.Done()
		factory.Shutdown()
		a.wg.Wait() // every pod worker has stopped its processes
		klog.Infof("node agent stopped")
	}()
	return nil
}

// ownLease makes the Node the owner of its Lease, as the kubelet does, so the
// garbage collector removes the Lease with the Node.
func (a *nodeAgent) ownLease(l *coordinationv1.Lease) error {
	if len(l.OwnerReferences) > 0 {
		return nil
	}
	node, err := a.client.CoreV1().Nodes().Get(context.Background(), nodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	l.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: "v1", Kind: "Node", Name: nodeName, UID: node.UID,
	}}
	return nil
}

// register creates the Node (or takes over the one of a previous run in
// DIR) and reports it Ready with this run's kubelet port.
func (a *nodeAgent) register(ctx context.Context) error {
	labels := map[string]string{
		corev1.LabelHostname:               nodeName,
		corev1.LabelOSStable:               goruntime.GOOS,
		corev1.LabelArchStable:             goruntime.GOARCH,
		"node.kubernetes.io/instance-type": "testenv",
	}
	_, err := a.client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: nodeName, Labels: labels},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := a.client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		node.Status = a.nodeStatus()
		_, err = a.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

// nodeStatus is what a kubelet reports about a healthy node. The capacity is
// generous and fixed, so that tests' resource requests always fit.
func (a *nodeAgent) nodeStatus() corev1.NodeStatus {
	now := metav1.Now().Rfc3339Copy()
	resources := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("16"),
		corev1.ResourceMemory:           resource.MustParse("64Gi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
		corev1.ResourcePods:             resource.MustParse("250"),
	}
	condition := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, message string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: message,
			LastHeartbeatTime: now, LastTransitionTime: now}
	}
	var uname unix.Utsname
	kernel := ""
	if unix.Uname(&uname) == nil {
		kernel = unix.ByteSliceToString(uname.Release[:])
	}
	v := version.Get().GitVersion
	return corev1.NodeStatus{
		Capacity:    resources,
		Allocatable: resources,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			condition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			condition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			condition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			condition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "testenv's node agent is posting ready status"),
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: nodeIP},
			{Type: corev1.NodeHostName, Address: nodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{
			KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(a.port)},
		},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               "testenv",
			SystemUUID:              "testenv",
			BootID:                  strconv.Itoa(os.Getpid()),
			KernelVersion:           kernel,
			OSImage:                 "testenv node agent (local processes)",
			ContainerRuntimeVersion: "testenv://" + v,
			KubeletVersion:          v,
			OperatingSystem:         goruntime.GOOS,
			Architecture:            goruntime.GOARCH,
		},
	}
}

func (a *nodeAgent) podChanged(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName != nodeName {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.workers[pod.UID]
	if w == nil {
		w = newPodWorker(a, pod)
		a.workers[pod.UID] = w
		a.byName[pod.Namespace+"/"+pod.Name] = w
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			w.run()
			a.forget(w)
		}()
	}
	w.update(pod, false)
}

func (a *nodeAgent) podRemoved(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	a.mu.Lock()
	w := a.workers[pod.UID]
	if w != nil && a.byName[w.key] == w {
		delete(a.byName, w.key)
	}
	a.mu.Unlock()
	if w != nil {
		w.update(pod, true)
	}
}

// forget drops a worker whose pod is gone and whose processes have stopped.
func (a *nodeAgent) forget(w *podWorker) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.workers, w.uid)
	if a.byName[w.key] == w {
		delete(a.byName, w.key)
	}
	for _, c := range w.containers {
		for _, inst := range c.instances {
			delete(a.containers, inst.id)
		}
	}
}

// worker returns the worker of a pod that is still in the API.
func (a *nodeAgent) worker(namespace, name string) *podWorker {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byName[namespace+"/"+name]
}

func (a *nodeAgent) registerInstance(inst *instance) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.containers[inst.id] = inst
}

func (a *nodeAgent) instance(id string) *instance {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.containers[id]
}
