// The client-go side of k8s-bench's leader_failover benchmark: one
// candidate of a leader election on a coordination.k8s.io/v1 Lease
// (tools/leaderelection with a LeaseLock). It speaks the benchmark's line
// protocol, one line on stdout each time it starts leading:
//
//	leading=IDENTITY at=UNIX_NANOS
//
// and runs until it is killed.
//
// Usage: leader KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "client-go leader:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 8 {
		return fmt.Errorf("usage: leader KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS")
	}
	kubeconfig, namespace, lease, identity := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	var ms [3]time.Duration
	for i, arg := range os.Args[5:8] {
		n, err := strconv.Atoi(arg)
		if err != nil {
			return fmt.Errorf("%q: %w", arg, err)
		}
		ms[i] = time.Duration(n) * time.Millisecond
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	// No client-side rate limit, as on our side of the benchmark.
	config.QPS = -1
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: namespace, Name: lease},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	ctx := context.Background()
	// Campaign again after a lost term, as the Rust candidate does.
	for {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock:          lock,
			LeaseDuration: ms[0],
			RenewDeadline: ms[1],
			RetryPeriod:   ms[2],
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					fmt.Printf("leading=%s at=%d\n", identity, time.Now().UnixNano())
					<-ctx.Done()
				},
				OnStoppedLeading: func() {
					fmt.Fprintf(os.Stderr, "%s: stopped leading\n", identity)
				},
			},
		})
	}
}
