package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// httpGet GETs url and returns the status and body; status 0 when the
// server cannot be reached.
func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestServeCLI archives the demo article with the binary, serves the
// store with it, reads from it, and stops it with SIGTERM.
func TestServeCLI(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "mirror")
	if r := run(t, dir, nil, "demo", "--store", "file://"+store, "--out", filepath.Join(dir, "out")); r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	var img string
	for _, f := range listFiles(t, store) {
		if strings.HasPrefix(f, "img/") {
			img = f
			break
		}
	}
	if img == "" {
		t.Fatal("demo stored no image")
	}

	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve", "--store", "file://"+store, "--addr", addr)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := httpGet(t, base+"/healthz")
		if code == 200 && string(body) == "ok\n" {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("serve exited early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz within 15s (last %d)\n%s", code, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	want := readFile(t, filepath.Join(store, filepath.FromSlash(img)))
	if code, body := httpGet(t, base+"/"+img); code != 200 || !bytes.Equal(body, want) {
		t.Errorf("GET /%s: %d, %d bytes (want %d)", img, code, len(body), len(want))
	}
	if code, body := httpGet(t, base+"/"); code != 200 || !strings.Contains(string(body), `href="/view/sample-article.md"`) {
		t.Errorf("GET /: %d\n%s", code, body)
	}
	if code, body := httpGet(t, base+"/view/sample-article.md"); code != 200 || !strings.Contains(string(body), `<img src="/img/`) {
		t.Errorf("GET /view/sample-article.md: %d\n%s", code, body)
	}
	if code, _ := httpGet(t, base+"/.meta/"+img+".json"); code != 400 {
		t.Errorf("GET /.meta/...: %d", code)
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10s after SIGTERM\n%s", stderr.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if !strings.Contains(stderr.String(), "serving file://") || !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if code, _ := httpGet(t, base+"/healthz"); code != 0 {
		t.Errorf("still answering after exit: %d", code)
	}
}

// TestServeCLIUsage checks the failures that exit before listening.
func TestServeCLIUsage(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-store")
	if r := run(t, dir, nil, "serve", "--store", "file://"+missing, "--addr", "127.0.0.1:0"); r.code != ExitStore {
		t.Errorf("missing store: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("serve created the missing store: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "m"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, []string{"IMGMIRROR_PUBLIC_URL=ftp://cdn"}, "serve", "--store", "m", "--addr", "127.0.0.1:0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--public-url") {
		t.Errorf("bad public URL from the environment: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, dir, nil, "serve", "--store", "m", "--addr", "256.0.0.1:99999"); r.code != ExitUsage {
		t.Errorf("bad address: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, dir, nil, "serve", "extra"); r.code != ExitUsage {
		t.Errorf("argument: exit %d", r.code)
	}
	r = run(t, dir, nil, "serve", "--help")
	for _, want := range []string{"--store", "--addr", "--public-url", "$IMGMIRROR_ADDR"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, r.stdout)
		}
	}
}
