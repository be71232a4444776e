// SPDX-License-Identifier: MIT
// twoconns: Go's net/http client calling chat completions on two servers, HTTP/2 (negotiated
// through ALPN) on the first, HTTP/1.1 (h2 off: an empty TLSNextProto map) on the second; each
// call's model says which server it went to ("h2-N", "h1-N"), so that a test can check that
// every call's span names its own connection's server.
//
//	twoconns H2_URL H1_URL KEY ROUNDS         two connections open at once, calls in flight
//	                                          on both in every round
//	twoconns -churn H2_URL H1_URL KEY CALLS   one call per connection, each closed before the
//	                                          next and garbage collected, the servers in turn:
//	                                          Go's allocator then gives a new *tls.Conn the
//	                                          address of a closed one (crypto/tls has no end of
//	                                          a connection to probe)
//
// Prints one line per call: model, HTTP version, bytes.
package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
)

func call(c *http.Client, url, key, model string, stream bool, major int) (string, error) {
	opts := ""
	if stream {
		opts = `,"stream_options":{"include_usage":true}`
	}
	body := fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":%q}]%s}`,
		model, stream, "which connection carried "+model, opts)
	req, err := http.NewRequest("POST", url+"/v1/chat/completions", bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != major {
		return "", fmt.Errorf("%s: spoke %s, want HTTP/%d", model, resp.Proto, major)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	return fmt.Sprintf("%s %s %d", model, resp.Proto, n), err
}

// churn makes calls one after another, each on a connection of its own.
func churn(h2url, h1url, key string, calls int) {
	for i := 0; i < calls; i++ {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
		url, model, major := h2url, fmt.Sprintf("h2-%d", i), 2
		if i%2 == 1 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			url, model, major = h1url, fmt.Sprintf("h1-%d", i), 1
		} else {
			tr.ForceAttemptHTTP2 = true
		}
		line, err := call(&http.Client{Transport: tr}, url, key, model, false, major)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(line)
		tr.CloseIdleConnections()
		runtime.GC()
		runtime.GC()
	}
}

func main() {
	args := os.Args[1:]
	churning := len(args) > 0 && args[0] == "-churn"
	if churning {
		args = args[1:]
	}
	if len(args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: twoconns [-churn] H2_URL H1_URL KEY N")
		os.Exit(2)
	}
	rounds, err := strconv.Atoi(args[3])
	if err != nil || rounds < 1 {
		fmt.Fprintln(os.Stderr, "N: a positive number")
		os.Exit(2)
	}
	if churning {
		churn(args[0], args[1], args[2], rounds)
		return
	}
	tlsc := &tls.Config{InsecureSkipVerify: true}
	h2 := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsc,
		ForceAttemptHTTP2: true}}
	// one HTTP/1.1 connection: calls to it wait for the one before
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsc, MaxConnsPerHost: 1,
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
	key := args[2]
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	run := func(c *http.Client, url, model string, stream bool, major int) {
		defer wg.Done()
		line, err := call(c, url, key, model, stream, major)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		fmt.Println(line)
	}
	// both connections are opened at once by a first call on each (two at once on an HTTP/2
	// transport with no connection yet could dial two), then every round has calls in flight
	// on both
	wg.Add(2)
	go run(h2, args[0], "h2-first", false, 2)
	go run(h1, args[1], "h1-first", false, 1)
	wg.Wait()
	for i := 0; i < rounds; i++ {
		wg.Add(4)
		go run(h2, args[0], fmt.Sprintf("h2-%d", 2*i), true, 2)
		go run(h1, args[1], fmt.Sprintf("h1-%d", 2*i), true, 1)
		go run(h2, args[0], fmt.Sprintf("h2-%d", 2*i+1), false, 2)
		go run(h1, args[1], fmt.Sprintf("h1-%d", 2*i+1), false, 1)
		wg.Wait()
	}
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, err)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
}
