package torbridge

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hamsnet/hams/internal/tornet"
)

// TestTorAcceptsTorrc: Debian's tor accepts the torrc lines Torrc writes
// for every transport, with the programs Debian packages (tor
// --verify-config parses the configuration and exits; it connects
// nowhere and starts no transport). Snowflake needs a broker and WebRTC
// proxies that cannot run in a test, so its lines are checked here and
// nowhere end to end.
func TestTorAcceptsTorrc(t *testing.T) {
	tornet.Require(t, "tor", "obfs4proxy", "snowflake-client")
	obfs4, err := Find("obfs4", "")
	if err != nil {
		t.Fatal(err)
	}
	snowflake, err := Find("snowflake", "")
	if err != nil {
		t.Fatal(err)
	}
	// The forms Tor Browser and bridges.torproject.org give (documentation
	// addresses, made-up keys).
	lines := []string{
		"snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://1098762253.rsc.cdn77.org/ fronts=www.cdn77.com,www.phpmyadmin.net ice=stun:stun.l.google.com:19302,stun:stun.antisip.com:3478 utls-imitate=hellorandomizedalpn",
		"obfs4 192.0.2.11:9001 A46041865144B24F5758505CF33468899D2EE429 cert=" + strings.Repeat("A", 70) + " iat-mode=0",
		"meek_lite 192.0.2.18:80 BE776A53492E1E044A26F17306E1BC46A55A1625 url=https://meek.example.net/ front=ajax.example.com",
		"192.0.2.10:443 4F0F25746F7A60DC02DFA0FDD211766CED8EE501",
	}
	var bridges []Bridge
	for _, l := range lines {
		b, err := Parse(l)
		if err != nil {
			t.Fatalf("%s: %v", b.Transport, err)
		}
		bridges = append(bridges, b)
	}
	torrc, err := Torrc(bridges, map[string]string{"obfs4": obfs4, "meek_lite": obfs4, "snowflake": snowflake})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "torrc")
	conf := append([]string{"DataDirectory " + filepath.Join(dir, "data"), "DisableNetwork 1", "SocksPort 0"}, torrc...)
	if err := os.WriteFile(file, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tor", "--verify-config", "-f", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Configuration was valid") {
		t.Fatalf("tor refused the torrc (%v):\n%s\n%s", err, strings.Join(torrc, "\n"), out)
	}
	if got, want := torrc[len(torrc)-2:], []string{"ClientTransportPlugin meek_lite,obfs4 exec " + obfs4, "ClientTransportPlugin snowflake exec " + snowflake}; !slices.Equal(got, want) {
		t.Fatalf("plugin lines %q, want %q", got, want)
	}
	t.Logf("tor accepts:\n%s", strings.Join(torrc, "\n"))
}
