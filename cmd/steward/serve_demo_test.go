package main

import "testing"

func TestDemoProbeAddress(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:8080": "127.0.0.1:8080",
		":9000":          "127.0.0.1:9000",
		"0.0.0.0:8443":   "127.0.0.1:8443",
		"[::]:8081":      "[::1]:8081",
		"10.1.2.3:80":    "10.1.2.3:80",
		"127.0.0.1:0":    "",
		"nonsense":       "",
	} {
		if got := demoProbeAddress(listen); got != want {
			t.Errorf("demoProbeAddress(%q) = %q, want %q", listen, got, want)
		}
	}
}
