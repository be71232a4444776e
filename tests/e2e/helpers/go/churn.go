// SPDX-License-Identifier: MIT
// churn: Go's net/http client making one chat completions call per TLS connection, closing each
// connection before the next and collecting garbage in between, alternately over HTTP/2 to
// the first server and HTTP/1.1 to the second. Go's allocator then gives a new connection's
// *tls.Conn the address of one closed before: the tracer must not take the new connection
// for the old one (Go's crypto/tls has no end of connection to probe). Models say which
// server each call went to ("h2-N", "h1-N").
//
//	churn H2_URL H1_URL KEY CALLS   prints one line per call: model, HTTP version, bytes
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
)

func call(tr *http.Transport, url, key, model string, major int) (string, error) {
	body := fmt.Sprintf(`{"model":%q,"stream":false,"messages":[{"role":"user","content":%q}]}`,
		model, "a connection of its own for "+model)
	req, err := http.NewRequest("POST", url+"/v1/chat/completions", bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := (&http.Client{Transport: tr}).Do(req)
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

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: churn H2_URL H1_URL KEY CALLS")
		os.Exit(2)
	}
	calls, err := strconv.Atoi(os.Args[4])
	if err != nil || calls < 1 {
		fmt.Fprintln(os.Stderr, "CALLS: a positive number")
		os.Exit(2)
	}
	for i := 0; i < calls; i++ {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
		url, model, major := os.Args[1], fmt.Sprintf("h2-%d", i), 2
		if i%2 == 1 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			url, model, major = os.Args[2], fmt.Sprintf("h1-%d", i), 1
		} else {
			tr.ForceAttemptHTTP2 = true
		}
		line, err := call(tr, url, os.Args[3], model, major)
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
