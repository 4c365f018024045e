package torbridge_test

import (
	"fmt"
	"strings"

	"github.com/hamsnet/hams/node/torbridge"
)

// Parse bridge lines as a person pastes them from Tor Browser or
// bridges.torproject.org, then write the torrc lines that make tor use
// only them. The plugin paths would come from Find.
func Example() {
	lines := []string{
		"obfs4 198.51.100.21:443 A46041865144B24F5758505CF33468899D2EE429 cert=f6U7lIVugPX7aeDccimudgEguw646V63l9IpPacJf+FxPEOrCtWN05KoxXR4C4wjxuEaHA iat-mode=0",
		"Bridge [2001:db8::7]:9001 4F0F25746F7A60DC02DFA0FDD211766CED8EE501",
	}
	var bridges []torbridge.Bridge
	for _, l := range lines {
		b, err := torbridge.Parse(l)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("using", b) // a Bridge prints redacted
		bridges = append(bridges, b)
	}
	torrc, err := torbridge.Torrc(bridges, map[string]string{"obfs4": "/usr/bin/obfs4proxy"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range torrc {
		fmt.Println(l)
	}
	// Output:
	// using obfs4 bridge A46041…
	// using plain bridge 4F0F25…
	// UseBridges 1
	// Bridge obfs4 198.51.100.21:443 A46041865144B24F5758505CF33468899D2EE429 cert=f6U7lIVugPX7aeDccimudgEguw646V63l9IpPacJf+FxPEOrCtWN05KoxXR4C4wjxuEaHA iat-mode=0
	// Bridge [2001:db8::7]:9001 4F0F25746F7A60DC02DFA0FDD211766CED8EE501
	// ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy
}

// A bad line is refused with what is wrong, never with the secret parts.
func ExampleParse() {
	_, err := torbridge.Parse("obfs4 198.51.100.21:443 A46041865144B24F5758505CF33468899D2EE429 iat-mode=0")
	fmt.Println(err)
	_, err = torbridge.Parse("198.51.100.21:0")
	fmt.Println(err)
	// Output:
	// torbridge: an obfs4 bridge needs cert= (the bridge's certificate, 70 characters of base64)
	// torbridge: address: the port must be a number from 1 to 65535
}

// ParseFile reads a --bridges file; errors carry the line number.
func ExampleParseFile() {
	file := `# my bridges
198.51.100.21:443 A46041865144B24F5758505CF33468899D2EE429

snowflake 192.0.2.3:80
`
	bridges, err := torbridge.ParseFile(strings.NewReader(file))
	fmt.Println(bridges, err)

	_, err = torbridge.ParseFile(strings.NewReader("# mine\n\nobfs3 198.51.100.21:443\n"))
	fmt.Println(err)
	// Output:
	// [plain bridge A46041… snowflake bridge (no fingerprint)] <nil>
	// torbridge: line 3: unknown transport "obfs3": the known ones are meek_lite, obfs4, snowflake, webtunnel (or none, for a plain IP:PORT bridge)
}
