package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/internal/demo"
	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/manifest"
)

// binary is the imgmirror binary built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "imgmirror-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "imgmirror")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// wechatHosts are the names the test origin answers for, through the proxy.
var wechatHosts = []string{"mmbiz.qpic.cn", "mmbiz.qlogo.cn", "mmecoa.qpic.cn", "wx.qlogo.cn"}

// cdn is a fake mmbiz.qpic.cn reached the way users reach the real one:
// through HTTPS_PROXY, with its certificate trusted via SSL_CERT_FILE.
type cdn struct {
	origin *origin.Origin
	env    []string
}

var mmbizRe = regexp.MustCompile(`https?://mmbiz\.q(?:pic|logo)\.cn/([A-Za-z0-9_]+)/([A-Za-z0-9_\-]+)`)

// imagesFor gives every WeChat image path in articles bytes from the demo
// assets, cycling through them, so any article can be served.
func imagesFor(articles ...[]byte) map[string][]byte {
	var pool [][]byte
	var names []string
	for k := range demo.Images() {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		pool = append(pool, demo.Images()[k])
	}
	imgs := map[string][]byte{}
	for _, a := range articles {
		for _, m := range mmbizRe.FindAllStringSubmatch(string(a), -1) {
			key := m[1] + "/" + m[2]
			if _, ok := imgs[key]; !ok {
				imgs[key] = pool[len(imgs)%len(pool)]
			}
		}
	}
	return imgs
}

func startCDN(t *testing.T, images map[string][]byte) *cdn {
	t.Helper()
	o := origin.New(images)
	tlsSrv, caPEM, err := origin.NewTLSServer(o, wechatHosts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(o)
	t.Cleanup(plain.Close)
	proxy := origin.NewProxy(tlsSrv.Listener.Addr().String(), plain.Listener.Addr().String(), wechatHosts...)
	t.Cleanup(proxy.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"HTTPS_PROXY=" + proxy.URL, "HTTP_PROXY=" + proxy.URL, "NO_PROXY=", "SSL_CERT_FILE=" + ca, "HOME=" + t.TempDir()}
	return &cdn{origin: o, env: env}
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: so.String(), stderr: se.String()}
}

// cleanEnv is the test process environment without proxy, CA and
// IMGMIRROR_ variables, so each run sets exactly what it means to.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k := strings.ToUpper(kv[:strings.IndexByte(kv, '=')+1])
		switch {
		case strings.HasSuffix(k, "_PROXY="), k == "SSL_CERT_FILE=", k == "SSL_CERT_DIR=", strings.HasPrefix(k, "IMGMIRROR_"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

func readManifest(t *testing.T, path string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listFiles returns the regular files below dir (slash paths, sorted),
// skipping hidden entries.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
}
