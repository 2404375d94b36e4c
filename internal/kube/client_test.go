package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: bench
  user: {token: not-a-real-token}
contexts:
- name: bench
  context: {cluster: bench, user: bench, namespace: load}
- name: bare
  context: {cluster: bench, user: bench}
current-context: bench
`

func TestClientTakesTheNamespaceFromTheContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ context, ns string }{{"", "load"}, {"bench", "load"}, {"bare", "default"}} {
		cs, ns, err := Client(path, tc.context)
		if err != nil || cs == nil {
			t.Errorf("Client(%q): %v", tc.context, err)
			continue
		}
		if ns != tc.ns {
			t.Errorf("Client(%q): namespace %q, want %q", tc.context, ns, tc.ns)
		}
	}
	if _, _, err := Client(path, "nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("Client with an unknown context: %v", err)
	}
}

func TestClientWithoutConfigurationSaysWhatToSet(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod
	_, _, err := Client("", "")
	if err == nil || !strings.Contains(err.Error(), "set KUBECONFIG") {
		t.Errorf("Client: %v, want advice to set KUBECONFIG", err)
	}
}
