package kube

import (
	"errors"
	"fmt"

	batchv1client "k8s.io/client-go/kubernetes/typed/batch/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client connects to the cluster that kubeconfig's context names, and
// returns the namespace that context (or the pod's service account) sets,
// "default" if none. An empty kubeconfig means $KUBECONFIG, then
// ~/.kube/config, as kubectl reads them; an empty context means the current
// one. Inside a pod without a kubeconfig it uses the pod's service account
// (rest.InClusterConfig), as clientcmd's loading rules do.
func Client(kubeconfig, context string) (API, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	cfg, err := loader.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", errors.New("no Kubernetes cluster configured: set KUBECONFIG or write ~/.kube/config (kubectl config), or run fnbench in a pod")
		}
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	if ns == "" {
		ns = "default"
	}
	cfg.UserAgent = "fnbench"
	// One HTTP client, so both groups share the connection and its auth.
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("kubernetes client: %w", err)
	}
	core, err := corev1client.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, "", fmt.Errorf("kubernetes client: %w", err)
	}
	batch, err := batchv1client.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, "", fmt.Errorf("kubernetes client: %w", err)
	}
	return groups{core: core, batch: batch}, ns, nil
}
