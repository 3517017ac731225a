package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromiumPath is Debian's chromium, installed by `make deps`.
const chromiumPath = "/usr/bin/chromium"

// cdp is a minimal Chrome DevTools Protocol client over
// --remote-debugging-pipe: NUL-terminated JSON messages on the browser's
// file descriptors 3 (commands) and 4 (replies and events).
type cdp struct {
	cmd *exec.Cmd
	w   io.WriteCloser
	r   *bufio.Reader
	id  int
}

func startChromium(t *testing.T, url string) *cdp {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: the report test needs Debian's chromium (make deps installs it: apt-get install -y chromium): %v", chromiumPath, err)
	}
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromiumPath, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir="+t.TempDir(),
		"--window-size=1280,900", "--remote-debugging-pipe", url)
	cmd.ExtraFiles = []*os.File{cmdR, resW} // fd 3 and fd 4 in the browser
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	resW.Close()
	c := &cdp{cmd: cmd, w: cmdW, r: bufio.NewReader(resR)}
	t.Cleanup(func() {
		c.call("Browser.close", nil, "")
		c.w.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		resR.Close()
		if t.Failed() {
			t.Logf("chromium stderr:\n%s", stderr.String())
		}
	})
	return c
}

// call sends a command (to a session when session is set) and returns its
// result, skipping the events that come in between.
func (c *cdp) call(method string, params any, session string) (json.RawMessage, error) {
	c.id++
	msg := map[string]any{"id": c.id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return nil, err
	}
	for {
		line, err := c.r.ReadBytes(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line[:len(line)-1], &reply); err != nil {
			return nil, err
		}
		if reply.ID != c.id {
			continue // an event
		}
		if reply.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, reply.Error.Message)
		}
		return reply.Result, nil
	}
}

// evaluate runs a script in the page and returns its (string) value. The
// page may still be navigating to its URL: an evaluation whose context
// went away is tried again.
func (c *cdp) evaluate(script string) (string, error) {
	res, err := c.call("Target.getTargets", nil, "")
	if err != nil {
		return "", err
	}
	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	if err := json.Unmarshal(res, &targets); err != nil {
		return "", err
	}
	page := ""
	for _, ti := range targets.TargetInfos {
		if ti.Type == "page" {
			page = ti.TargetID
		}
	}
	if page == "" {
		return "", fmt.Errorf("chromium has no page: %s", res)
	}
	res, err = c.call("Target.attachToTarget", map[string]any{"targetId": page, "flatten": true}, "")
	if err != nil {
		return "", err
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(res, &att); err != nil {
		return "", err
	}
	for try := 0; ; try++ {
		res, err = c.call("Runtime.evaluate", map[string]any{"expression": script, "awaitPromise": true, "returnByValue": true}, att.SessionID)
		if err != nil && try < 50 && strings.Contains(err.Error(), "context") {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			return "", err
		}
		break
	}
	var ev struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &ev); err != nil {
		return "", err
	}
	if ev.ExceptionDetails != nil {
		return "", fmt.Errorf("script failed in the page: %s", res)
	}
	return ev.Result.Value, nil
}

// pageScript waits for the page and its filter script, then measures it,
// unticks "updates", and searches for a name.
const pageScript = `(async () => {
  const ready = () => document.readyState === 'complete' && document.getElementById('filters') && !document.getElementById('filters').hidden;
  for (let i = 0; i < 200 && !ready(); i++) { await new Promise(r => setTimeout(r, 50)); }
  const cards = [...document.querySelectorAll('section.card')];
  const visible = () => cards.filter(c => c.getClientRects().length > 0).map(c => c.id);
  const r = {ready: !!ready(), width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
    cards: cards.map(c => ({id: c.id, text: c.textContent})), all: visible()};
  const box = document.querySelector('#filters input[value="update"]');
  box.click();
  r.noUpdates = visible();
  box.click();
  const q = document.getElementById('q');
  q.value = 'okafor';
  q.dispatchEvent(new Event('input'));
  r.search = visible();
  q.value = '';
  q.dispatchEvent(new Event('input'));
  r.after = visible();
  return JSON.stringify(r);
})()`

// TestReportInChromium renders a cycle's report.html in headless Chromium
// at 1280 pixels: no horizontal scrolling (also with a long unbroken
// value), a card for every contact the plan changed, the "updates" filter
// hides exactly the cards that are only updates, and the search box keeps
// the cards that hold the text.
func TestReportInChromium(t *testing.T) {
	dir := t.TempDir()
	crm := filepath.Join(dir, "crm")
	if err := os.CopyFS(crm, os.DirFS("../../fixtures/crm")); err != nil {
		t.Fatal(err)
	}
	// A value with no place to break must wrap, not widen the page.
	contacts := filepath.Join(crm, "contacts.csv")
	b, err := os.ReadFile(contacts)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Regulatory-Affairs-", 20)
	b = bytes.Replace(b, []byte("Regulatory Affairs Manager"), []byte(long), 1)
	if err := os.WriteFile(contacts, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "c1")
	mustCLI(t, "sync", "--journal", filepath.Join(dir, "j.db"), "--crm", crm, "--outlook", "../../fixtures/outlook/contacts.csv",
		"--outlook-exported-at", "2026-11-20T09:00:00Z", "--user", "U6UJ9A00000D", "--out", out)

	// What the page must show, from plan.json: a card per link that has
	// a change other than a confirmed link, or a conflict; and which of
	// them have only updates.
	kinds := map[int64]map[string]bool{}
	pj, err := os.ReadFile(filepath.Join(out, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(pj)), "\n") {
		var x struct {
			Type, Op, Field string
			Link            int64
		}
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			t.Fatal(err)
		}
		kind := ""
		switch {
		case x.Type == "conflict":
			kind = "conflict"
		case x.Type != "change" || x.Op == "link":
			continue
		case x.Op == "create":
			kind = "creation"
		case x.Op == "delete" || x.Op == "group-remove" || x.Op == "unlink" || x.Op == "lost":
			kind = "deletion"
		case x.Op == "update" && x.Field == "account":
			kind = "" // the account of a new contact: part of its creation
		default:
			kind = "update"
		}
		if x.Link == 0 {
			t.Fatalf("the fixture cycle has a change of no link: %s", line)
		}
		if kinds[x.Link] == nil {
			kinds[x.Link] = map[string]bool{}
		}
		if kind != "" {
			kinds[x.Link][kind] = true
		}
	}
	var want, wantNoUpdates []string
	for link, k := range kinds {
		id := "c1-" + strconv.FormatInt(link, 10)
		want = append(want, id)
		if k["conflict"] || k["creation"] || k["deletion"] {
			wantNoUpdates = append(wantNoUpdates, id)
		}
	}
	sort.Strings(want)
	sort.Strings(wantNoUpdates)
	if len(want) < 10 || len(wantNoUpdates) == len(want) || len(wantNoUpdates) == 0 {
		t.Fatalf("the fixture cycle should have cards of several kinds: %v / %v", want, wantNoUpdates)
	}

	abs, err := filepath.Abs(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	type result struct {
		value string
		err   error
	}
	done := make(chan result, 1)
	c := startChromium(t, "file://"+filepath.ToSlash(abs))
	go func() {
		v, err := c.evaluate(pageScript)
		done <- result{v, err}
	}()
	var raw string
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		raw = res.value
	case <-ctx.Done():
		c.cmd.Process.Kill()
		t.Fatal("chromium did not answer within 90 s")
	}
	var r struct {
		Ready              bool
		Width, ScrollWidth int
		Cards              []struct{ ID, Text string }
		All, NoUpdates     []string
		Search, After      []string
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatalf("page result %q: %v", raw, err)
	}
	if !r.Ready {
		t.Fatal("the page's filter script did not run")
	}
	if r.Width != 1280 || r.ScrollWidth > r.Width {
		t.Errorf("at %d px the page is %d px wide: it scrolls sideways", r.Width, r.ScrollWidth)
	}
	sorted := func(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }
	var ids []string
	for _, cd := range r.Cards {
		ids = append(ids, cd.ID)
	}
	if got := sorted(ids); !slices.Equal(got, want) {
		t.Errorf("cards %v, want one per changed contact %v", got, want)
	}
	if got := sorted(r.All); !slices.Equal(got, want) {
		t.Errorf("visible at first: %v, want every card", got)
	}
	if got := sorted(r.NoUpdates); !slices.Equal(got, wantNoUpdates) {
		t.Errorf("with updates unticked, visible %v, want %v", got, wantNoUpdates)
	}
	var wantSearch []string
	for _, cd := range r.Cards {
		if strings.Contains(strings.ToLower(cd.Text), "okafor") {
			wantSearch = append(wantSearch, cd.ID)
		}
	}
	if len(wantSearch) == 0 || !slices.Equal(sorted(r.Search), sorted(wantSearch)) {
		t.Errorf("search 'okafor' shows %v, want %v", r.Search, wantSearch)
	}
	if got := sorted(r.After); !slices.Equal(got, want) {
		t.Errorf("after clearing the filters, visible %v, want every card", got)
	}

	// journal report draws the same page from the journal, with the
	// cycle's files (long paths and hashes) and the overview: it fits too.
	jr := filepath.Join(dir, "journal.html")
	mustCLI(t, "journal", "report", "--journal", filepath.Join(dir, "j.db"), "--out", jr)
	jabs, err := filepath.Abs(jr)
	if err != nil {
		t.Fatal(err)
	}
	c2 := startChromium(t, "file://"+filepath.ToSlash(jabs))
	v, err := c2.evaluate(pageScript)
	if err != nil {
		t.Fatal(err)
	}
	var r2 struct {
		Width, ScrollWidth int
		Cards              []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(v), &r2); err != nil {
		t.Fatal(err)
	}
	if r2.Width != 1280 || r2.ScrollWidth > r2.Width || len(r2.Cards) != len(want) {
		t.Errorf("journal report: %d px wide at %d px, %d cards (want %d)", r2.ScrollWidth, r2.Width, len(r2.Cards), len(want))
	}
}
