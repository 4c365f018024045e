package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/hamsnet/hams/"

// allowed lists, for every package of the module (by path inside it), the
// module's packages it may import. docs/architecture.md draws the same
// graph; change both together.
var allowed = map[string][]string{
	// The floor: pure or standalone, importing nothing of the module but keys.
	"keys":                 {},
	"routing":              {"keys"},
	"routing/sim":          {"keys", "routing"},
	"routing/sim/simplot":  {"routing/sim"},
	"datastore":            {"keys"},
	"fcp/fcpwire":          {},
	"node/link":            {},
	"node/noderef":         {"keys", "routing"},
	"node/peerwire":        {"keys", "routing"},
	"node/tor":             {},
	"node/torbridge":       {},
	"internal/vectorfile":  {},
	"internal/vectorcheck": {},
	"internal/browsertest": {},
	"internal/tornet":      {},
	"internal/layout":      {},
	"internal/tmpfs":       {},

	// FCP: the server and the Go client know nothing of the node.
	"fcp":                   {"fcp/fcpwire", "keys"},
	"fcp/fcpclient":         {"fcp/fcpwire"},
	"fcp/fcpclient/fcptest": {"fcp/fcpwire", "keys"},

	// The node, top down: assembly, client layer, network engine.
	"node":             {"datastore", "fcp", "keys", "node/clientlayer", "node/gateway", "node/network", "node/statuspage", "routing"},
	"node/clientlayer": {"datastore", "fcp/fcpwire", "keys"},
	"node/network": {"datastore", "fcp/fcpwire", "keys", "node/clientlayer", "node/link", "node/noderef",
		"node/peerwire", "node/tor", "routing"},

	// The web gateway (served by the node): the HTTP side knows the node only
	// through fcp's Backend and statuspage's Snapshot; the content filter is
	// pure.
	"node/gateway":               {"fcp", "fcp/fcpwire", "keys", "node/gateway/contentfilter", "node/statuspage", "node/webguard"},
	"node/gateway/contentfilter": {},
	"node/statuspage":            {},
	// The checks of a web page served to its own machine (the gateway,
	// hams social).
	"node/webguard": {},

	// Programs.
	"tools/hams": {"fcp/fcpclient", "fcp/fcpwire", "internal/tornet", "keys", "node", "node/network", "node/noderef", "node/tor", "node/torbridge",
		"routing", "routing/sim", "routing/sim/simplot", "tools/social"},
	"tools/social":            {"fcp/fcpclient", "fcp/fcpwire", "keys", "node/webguard", "tools/social/assets", "tools/social/feed", "tools/social/handle", "tools/social/imageclean", "tools/social/inbox", "tools/social/search", "tools/social/vault"},
	"tools/social/assets":     {},
	"tools/social/feed":       {"keys", "tools/social/strictjson"},
	"tools/social/imageclean": {},
	"tools/social/inbox":      {"keys", "tools/social/feed", "tools/social/strictjson"},
	"tools/social/search":     {},
	"tools/social/handle":     {"keys", "tools/social/search"},
	"tools/social/vault":      {},
	"tools/social/strictjson": {},
	"tools/keyvectors":        {"internal/vectorfile", "keys"},
	"tools/metavectors":       {"internal/vectorfile", "keys", "node/clientlayer"},
	"tools/noderefvectors":    {"internal/vectorfile", "keys"},
	"tools/socialvectors":     {"internal/vectorfile", "keys", "tools/social/feed"},
	"tools/inboxvectors":      {"internal/vectorfile", "keys", "tools/social/feed", "tools/social/inbox"},
	"tools/fcpflood":          {"fcp/fcpclient"},
	"tools/soak":              {"datastore", "fcp/fcpclient", "keys", "routing"},
}

// pure packages do no I/O of their own, read no clock, start no goroutine
// and draw no randomness but from a source they are given.
var pure = []string{"keys", "routing", "node/noderef", "node/peerwire", "fcp/fcpwire", "node/gateway/contentfilter", "tools/social/inbox", "tools/social/strictjson", "tools/social/search", "tools/social/handle"}

// deterministic packages may write files, but read no clock, start no
// goroutine and draw no randomness but from a seeded source: the same seed
// gives the same numbers.
var deterministic = []string{"routing/sim"}

// impureImports are the standard packages a pure package must not import.
var impureImports = []string{"net", "net/http", "os", "os/exec", "os/signal", "syscall", "crypto/rand", "io/fs", "path/filepath", "log", "log/slog"}

// clockCalls read the wall clock or wait on it.
var clockCalls = []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker"}

// randConstructors are the math/rand functions that make a seeded source
// rather than draw from the global one.
var randConstructors = []string{"New", "NewPCG", "NewChaCha8", "NewSource", "NewZipf"}

type pkg struct {
	files   []*ast.File
	imports map[string]bool // import path → imported
}

// load parses every non-test Go file of the module, by package directory.
func load(t *testing.T) (map[string]*pkg, *token.FileSet) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	pkgs := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		p := pkgs[rel]
		if p == nil {
			p = &pkg{imports: map[string]bool{}}
			pkgs[rel] = p
		}
		p.files = append(p.files, f)
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			p.imports[ip] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs, fset
}

// TestImports: every package imports only the module packages it may, and
// every package has rules.
func TestImports(t *testing.T) {
	pkgs, _ := load(t)
	for name, p := range pkgs {
		may, ok := allowed[name]
		if !ok {
			t.Errorf("%s: a package without rules: add it to allowed (and to docs/architecture.md)", name)
			continue
		}
		for ip := range p.imports {
			if in, ok := strings.CutPrefix(ip, module); ok && !slices.Contains(may, in) {
				t.Errorf("%s imports %s, which it may not (docs/architecture.md)", name, in)
			}
		}
	}
	for name := range allowed {
		if pkgs[name] == nil {
			t.Errorf("rules for %s, which does not exist", name)
		}
	}
}

// TestPurity: the pure packages import no I/O, and neither they nor the
// deterministic ones read the clock, start goroutines or use the global
// random source.
func TestPurity(t *testing.T) {
	pkgs, fset := load(t)
	for _, name := range append(slices.Clone(pure), deterministic...) {
		p := pkgs[name]
		if p == nil {
			t.Errorf("%s: no such package", name)
			continue
		}
		if slices.Contains(pure, name) {
			for _, ip := range impureImports {
				if p.imports[ip] {
					t.Errorf("%s is pure but imports %s", name, ip)
				}
			}
		}
		for _, f := range p.files {
			names := map[string]string{} // local name → import path
			for _, im := range f.Imports {
				ip, _ := strconv.Unquote(im.Path.Value)
				local := ip[strings.LastIndex(ip, "/")+1:]
				if ip == "math/rand/v2" {
					local = "rand"
				}
				if im.Name != nil {
					local = im.Name.Name
				}
				names[local] = ip
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.GoStmt:
					t.Errorf("%s: %s starts a goroutine", name, fset.Position(n.Pos()))
				case *ast.SelectorExpr:
					x, ok := n.X.(*ast.Ident)
					if !ok {
						break
					}
					switch names[x.Name] {
					case "time":
						if slices.Contains(clockCalls, n.Sel.Name) {
							t.Errorf("%s: %s reads the wall clock (time.%s)", name, fset.Position(n.Pos()), n.Sel.Name)
						}
					case "math/rand", "math/rand/v2":
						if ast.IsExported(n.Sel.Name) && !slices.Contains(randConstructors, n.Sel.Name) &&
							n.Sel.Name != "Rand" && n.Sel.Name != "Source" && n.Sel.Name != "PCG" && n.Sel.Name != "ChaCha8" {
							t.Errorf("%s: %s draws from the global random source (rand.%s)", name, fset.Position(n.Pos()), n.Sel.Name)
						}
					}
				}
				return true
			})
		}
	}
}
