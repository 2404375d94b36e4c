// Package browser drives headless Chromium over the DevTools protocol on a
// pipe (--remote-debugging-pipe: JSON messages separated by NUL bytes on
// file descriptors 3 and 4), so tests can open a page as a person would —
// console messages, network requests, a screenshot — without a WebSocket
// client or a dependency. It knows the few protocol methods those tests
// need and nothing more.
package browser

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Paths where Debian's chromium package, and other distributions', put the
// browser; FNBENCH_CHROMIUM overrides them.
var candidates = []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}

// Find returns the Chromium executable, or an error saying how to install
// it.
func Find() (string, error) {
	if p := os.Getenv("FNBENCH_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("FNBENCH_CHROMIUM names %s, which does not exist; install Debian's chromium package (make test does) or unset it", p)
		}
		return p, nil
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("headless Chromium not found: install Debian's chromium package (make test does: apt-get install -y chromium) or set FNBENCH_CHROMIUM")
}

// Browser is a running headless Chromium.
type Browser struct {
	cmd     *exec.Cmd
	w       io.WriteCloser
	dir     string
	mu      sync.Mutex
	nextID  int
	pending map[int]chan message
	subs    map[string][]chan message // by session id
	done    chan struct{}
	err     error
}

type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *protoError     `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type protoError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Start launches Chromium with no network beyond what a page itself asks
// for: background services, updates and prefetching are off.
func Start(path string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "fnbench-chromium-")
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe() // we write, Chromium reads (its fd 3)
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe() // Chromium writes (its fd 4), we read
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+dir, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
		"--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings", "--dns-prefetch-disable",
		"--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb", "about:blank")
	cmd.ExtraFiles = []*os.File{inR, outW}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	inR.Close()
	outW.Close()
	b := &Browser{cmd: cmd, w: inW, dir: dir, pending: map[int]chan message{}, subs: map[string][]chan message{}, done: make(chan struct{})}
	go b.read(outR)
	return b, nil
}

func (b *Browser) read(r io.ReadCloser) {
	defer close(b.done)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.err = fmt.Errorf("chromium closed its pipe: %w", err)
			b.mu.Unlock()
			return
		}
		var m message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			for _, ch := range b.subs[m.SessionID] {
				select {
				case ch <- m:
				default: // a slow listener loses events rather than stall the browser
				}
			}
		}
		b.mu.Unlock()
	}
}

// call sends one command and waits for its result.
func (b *Browser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return b.err
	}
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	msg, _ := json.Marshal(message{ID: id, Method: method, Params: p, SessionID: session})
	if _, err := b.w.Write(append(msg, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.done:
		return fmt.Errorf("%s: %v", method, b.err)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Close ends the browser and removes its profile directory.
func (b *Browser) Close() {
	_ = b.call(context.Background(), "", "Browser.close", struct{}{}, nil)
	b.w.Close()
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
	}
	b.cmd.Wait()
	os.RemoveAll(b.dir)
}

// Page is one tab, with what it reported while loading.
type Page struct {
	b       *Browser
	session string
	events  chan message
	// Console holds console errors and warnings, uncaught exceptions and
	// browser log errors (a blocked load, a CSP violation); Requests every
	// URL the page asked for, its own included.
	Console  []string
	Requests []string
}

// Open loads url in a new tab of the given viewport size and waits for
// its load event (and a moment for late messages).
func (b *Browser) Open(ctx context.Context, url string, width, height int) (*Page, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		return nil, err
	}
	p := &Page{b: b, session: att.SessionID, events: make(chan message, 4096)}
	b.mu.Lock()
	b.subs[p.session] = append(b.subs[p.session], p.events)
	b.mu.Unlock()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if err := b.call(ctx, p.session, m, struct{}{}, nil); err != nil {
			return nil, err
		}
	}
	if err := b.call(ctx, p.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return nil, err
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return nil, err
	}
	if nav.ErrorText != "" {
		return nil, fmt.Errorf("opening %s: %s", url, nav.ErrorText)
	}
	loaded := false
	settle := time.After(30 * time.Second)
	for {
		select {
		case m := <-p.events:
			if p.note(m) {
				loaded = true
				settle = time.After(300 * time.Millisecond)
			}
		case <-settle:
			if !loaded {
				return nil, fmt.Errorf("%s did not finish loading in 30 s", url)
			}
			return p, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// note records an event; it reports the load event.
func (p *Page) note(m message) bool {
	switch m.Method {
	case "Page.loadEventFired":
		return true
	case "Network.requestWillBeSent":
		var e struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		json.Unmarshal(m.Params, &e)
		p.Requests = append(p.Requests, e.Request.URL)
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(m.Params, &e)
		if e.Type == "error" || e.Type == "warning" || e.Type == "assert" {
			s := "console." + e.Type + ":"
			for _, a := range e.Args {
				s += fmt.Sprintf(" %v%s", a.Value, a.Description)
			}
			p.Console = append(p.Console, s)
		}
	case "Runtime.exceptionThrown":
		var e struct {
			Details struct {
				Text string `json:"text"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(m.Params, &e)
		p.Console = append(p.Console, "exception: "+e.Details.Text)
	case "Log.entryAdded":
		var e struct {
			Entry struct {
				Level, Text, URL string
			} `json:"entry"`
		}
		json.Unmarshal(m.Params, &e)
		if e.Entry.Level == "error" || e.Entry.Level == "warning" {
			p.Console = append(p.Console, "log."+e.Entry.Level+": "+e.Entry.Text+" "+e.Entry.URL)
		}
	}
	return false
}

// Evaluate runs a JavaScript expression in the page and decodes its value
// into out.
func (p *Page) Evaluate(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return err
	}
	if res.Exception != nil {
		return fmt.Errorf("evaluating %q: %s", expr, res.Exception.Text)
	}
	return json.Unmarshal(res.Result.Value, out)
}

// Screenshot captures the whole page, not only the viewport, as PNG.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	var lm struct {
		Content struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"cssContentSize"`
	}
	if err := p.b.call(ctx, p.session, "Page.getLayoutMetrics", struct{}{}, &lm); err != nil {
		return nil, err
	}
	var shot struct {
		Data string `json:"data"`
	}
	err := p.b.call(ctx, p.session, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": lm.Content.Width, "height": lm.Content.Height, "scale": 1},
	}, &shot)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot.Data)
}
