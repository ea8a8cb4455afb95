package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Why a spawner: on Linux a child's ru_maxrss starts from the peak RSS of
// the memory image it was forked from, because exec records the old
// image's high-water mark (exec_mmap → setmax_mm_hiwater_rss), and Go's
// os/exec forks with CLONE_VM, so that image is the parent's. A child of
// this process — which holds the origin's images, hundreds of MiB — would
// report at least this process's peak as its own. So every measured
// command is started by a small helper process (this binary in spawner
// mode, started before anything big is allocated), whose children report
// their own peak RSS.

const spawnerArg = "__spawner"

type spawnReq struct {
	Dir  string   `json:"dir"`
	Env  []string `json:"env"`
	Args []string `json:"args"`
}

type spawnResp struct {
	Code      int    `json:"code"`
	UserNS    int64  `json:"user_ns"`
	SysNS     int64  `json:"sys_ns"`
	MaxRSSKiB int64  `json:"maxrss_kib"`
	StartNS   int64  `json:"start_ns"`
	EndNS     int64  `json:"end_ns"`
	Stdout    string `json:"stdout"`
	Stderr    string `json:"stderr"`
	Err       string `json:"err,omitempty"`
}

// spawnerMain serves spawn requests on stdin, one JSON object a line,
// answering each on stdout when its command has exited.
func spawnerMain() int {
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	enc := json.NewEncoder(os.Stdout)
	for {
		var req spawnReq
		if err := dec.Decode(&req); err != nil {
			if err == io.EOF {
				return 0
			}
			fmt.Fprintln(os.Stderr, "spawner:", err)
			return 1
		}
		if err := enc.Encode(spawn(req)); err != nil {
			return 1
		}
	}
}

func spawn(req spawnReq) spawnResp {
	var resp spawnResp
	if len(req.Args) == 0 {
		resp.Err = "no command"
		return resp
	}
	cmd := exec.Command(req.Args[0], req.Args[1:]...)
	cmd.Dir, cmd.Env = req.Dir, req.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	end := time.Now()
	resp.StartNS, resp.EndNS = start.UnixNano(), end.UnixNano()
	resp.Stdout, resp.Stderr = so.String(), se.String()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		resp.Code = ee.ExitCode()
	case err != nil:
		resp.Err = err.Error()
		return resp
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		resp.UserNS, resp.SysNS, resp.MaxRSSKiB = ru.Utime.Nano(), ru.Stime.Nano(), ru.Maxrss
	}
	return resp
}

// spawner is the client side: one request at a time.
type spawner struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
}

var theSpawner *spawner

// startSpawner starts the helper; call it before allocating much.
func startSpawner() (*spawner, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, spawnerArg)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &spawner{cmd: cmd, in: in, out: json.NewDecoder(bufio.NewReader(out))}, nil
}

func (s *spawner) close() {
	s.in.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// run runs one command through the helper. When ctx ends first the helper
// is killed (and with it the command).
func (s *spawner) run(ctx context.Context, req spawnReq) (*spawnResp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.NewEncoder(s.in).Encode(req); err != nil {
		return nil, fmt.Errorf("spawner: %w", err)
	}
	type result struct {
		resp spawnResp
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		r.err = s.out.Decode(&r.resp)
		ch <- r
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("spawner: %w", r.err)
		}
		if r.resp.Err != "" {
			return nil, errors.New(r.resp.Err)
		}
		return &r.resp, nil
	case <-ctx.Done():
		s.cmd.Process.Kill()
		return nil, ctx.Err()
	}
}
