// SPDX-License-Identifier: MIT
// h2chat: Go's net/http client speaking HTTP/2 (negotiated through ALPN, as Go does with any
// TLS server offering h2) to a chat completions API; one streaming and one JSON call, at once
// on the same connection.
//
//	h2chat BASE_URL KEY   prints the response body sizes
package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

func call(c *http.Client, url, key, model string, stream bool) (int64, error) {
	body := fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi from go"}]%s}`,
		model, stream, map[bool]string{true: `,"stream_options":{"include_usage":true}`}[stream])
	req, err := http.NewRequest("POST", url+"/v1/chat/completions", bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		return 0, fmt.Errorf("spoke %s, want HTTP/2", resp.Proto)
	}
	return io.Copy(io.Discard, resp.Body)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: h2chat BASE_URL KEY")
		os.Exit(2)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		ForceAttemptHTTP2: true}
	c := &http.Client{Transport: tr}
	// a first call opens the connection, so the two concurrent ones share it
	if _, err := call(c, os.Args[1], os.Args[2], "gpt-4o-mini", false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, stream := range []bool{true, false} {
		wg.Add(1)
		go func(stream bool) {
			defer wg.Done()
			n, err := call(c, os.Args[1], os.Args[2], "gpt-4o", stream)
			if err != nil {
				errs <- err
				return
			}
			fmt.Println(n)
		}(stream)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
