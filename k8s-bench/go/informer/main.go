// The client-go side of k8s-bench's informer_pods benchmark: a
// SharedIndexInformer of pods from a SharedInformerFactory, fed by the
// benchmark's loopback server. It speaks the benchmark's line protocol:
//
//	synced=1 ms=… rss=… hwm=… steady=…   once the informer has synced
//	                                     (then the peak resident set is reset)
//	relisted=1 hwm=… held=…              after "go" arrives on stdin
//
// Usage: informer URL PODS keep|strip
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "client-go informer:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 4 {
		return fmt.Errorf("usage: informer URL PODS keep|strip")
	}
	url, strip := os.Args[1], os.Args[3] == "strip"
	pods, err := strconv.Atoi(os.Args[2])
	if err != nil {
		return err
	}
	// QPS < 0: no client-side rate limiter, as on the other sides.
	clientset, err := kubernetes.NewForConfig(&rest.Config{Host: url, QPS: -1})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	start := time.Now()
	factory := informers.NewSharedInformerFactoryWithOptions(clientset, 0, informers.WithNamespace("production"))
	informer := factory.Core().V1().Pods().Informer()
	if strip {
		err := informer.SetTransform(func(obj any) (any, error) {
			if m, err := meta.Accessor(obj); err == nil {
				m.SetManagedFields(nil)
			}
			return obj, nil
		})
		if err != nil {
			return err
		}
	}
	factory.Start(ctx.Done())
	// cache.WaitForCacheSync polls every 100 ms; poll every millisecond so
	// the time measured is the informer's, not the poll's.
	for !informer.HasSynced() {
		time.Sleep(time.Millisecond)
	}
	ms := float64(time.Since(start).Microseconds()) / 1e3
	store := informer.GetStore()
	if n := len(store.ListKeys()); n != pods {
		return fmt.Errorf("synced with %d pods, not %d", n, pods)
	}
	rss, hwm, err := residentSet()
	if err != nil {
		return err
	}
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return err
	}
	steady, _, err := residentSet()
	if err != nil {
		return err
	}
	fmt.Printf("synced=1 ms=%.1f rss=%d hwm=%d steady=%d\n", ms, rss, hwm, steady)

	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	_, hwm, err = residentSet()
	if err != nil {
		return err
	}
	if n := len(store.ListKeys()); n != pods {
		return fmt.Errorf("the store holds %d pods after the relist, not %d", n, pods)
	}
	// What is live, for comparison with the Rust sides' counted bytes:
	// the heap after a collection (read after the resident peak).
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	fmt.Printf("relisted=1 hwm=%d held=%d\n", hwm, stats.HeapAlloc)
	return nil
}

// residentSet reads VmRSS and VmHWM from /proc/self/status, in bytes.
func residentSet() (rss, hwm uint64, err error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			hwm = kb * 1024
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("no VmRSS or VmHWM in /proc/self/status")
	}
	return rss, hwm, nil
}
