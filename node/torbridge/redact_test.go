package torbridge

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestRedacted(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{obfs4Line, "obfs4 bridge 4F0F25…"},
		{snowflakeLine, "snowflake bridge 9CD150…"},
		{webtunnelLine, "webtunnel bridge A46041…"},
		{"203.0.113.77:443", "plain bridge (no fingerprint)"},
		{"203.0.113.77:443 " + strings.ToLower(fp2), "plain bridge A46041…"},
	} {
		b, err := Parse(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Redacted(); got != tc.want {
			t.Errorf("Redacted() = %q, want %q", got, tc.want)
		}
	}
	if got := (Bridge{Transport: "obfs4\n", Fingerprint: "203.0.113.77:443 x"}).Redacted(); got != "unknown-transport bridge (bad fingerprint)" {
		t.Errorf("Redacted of a bad hand-built bridge = %q", got)
	}
}

// TestRedactedKeepsSecrets: whichever way a Bridge is printed or logged,
// short of Line, neither its address nor an argument value shows.
func TestRedactedKeepsSecrets(t *testing.T) {
	for _, tc := range goodLines {
		b, err := Parse(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("using", "bridge", b, "all", []Bridge{b})
		outputs := map[string]string{
			"Redacted": b.Redacted(),
			"String":   b.String(),
			"%v":       fmt.Sprintf("%v", b),
			"%+v":      fmt.Sprintf("%+v", b),
			"%#v":      fmt.Sprintf("%#v", b),
			"%s slice": fmt.Sprintf("%s", []Bridge{b}),
			"slog":     logged.String(),
		}
		secret := []string{b.Addr.String(), b.Addr.Addr().String(), "cert=", "url="}
		for _, a := range b.Args {
			if len(a.Value) >= 8 {
				secret = append(secret, a.Value)
			}
		}
		if b.Fingerprint != "" {
			secret = append(secret, b.Fingerprint[:redactedPrefix+1])
		}
		for how, out := range outputs {
			for _, s := range secret {
				if strings.Contains(out, s) {
					t.Errorf("%s: %s output %q gives away %q", tc.name, how, out, s)
				}
			}
		}
	}
}
