// SPDX-License-Identifier: MIT
// tlsget: an HTTP/1.1 client over Go crypto/tls for the end-to-end tests (HTTP/2 is off: the
// empty TLSNextProto map keeps net/http from negotiating h2 through ALPN).
//
//	tlsget URL [BODY]   GET URL, or POST BODY to it; prints the response body length
package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tlsget URL [BODY]")
		os.Exit(2)
	}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	client := &http.Client{Transport: tr}
	var resp *http.Response
	var err error
	if len(os.Args) > 2 {
		resp, err = client.Post(os.Args[1], "application/json", strings.NewReader(os.Args[2]))
	} else {
		resp, err = client.Get(os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(n)
}
