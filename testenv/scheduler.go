package main

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/klog/v2"
	schedulerapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	scheduleroptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"
)

// startScheduler runs the real kube-scheduler of the pinned release in this
// process, as the admin, without leader election and without its own
// serving endpoint. It binds pods to the node agent's node.
func startScheduler(ctx context.Context, kubeconfig string, wg *sync.WaitGroup) error {
	opts := scheduleroptions.NewOptions()
	// Setup replaces the component config with the defaults and then applies
	// these flags on top, as the kube-scheduler command does.
	for set, args := range map[string][]string{
		"deprecated":      {"--kubeconfig=" + kubeconfig, "--kube-api-qps=200", "--kube-api-burst=400"},
		"leader election": {"--leader-elect=false"},
	} {
		if err := opts.Flags.FlagSet(set).Parse(args); err != nil {
			return fmt.Errorf("%s flags: %w", set, err)
		}
	}
	opts.SecureServing.BindPort = 0 // no serving endpoint: nothing to clash with
	cc, sched, err := schedulerapp.Setup(ctx, opts)
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := schedulerapp.Run(ctx, cc, sched); err != nil && ctx.Err() == nil {
			klog.Errorf("kube-scheduler: %v", err)
		}
	}()
	return nil
}
