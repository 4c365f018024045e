package handle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hamsnet/hams/keys"
)

var update = flag.Bool("update", false, "rewrite docs/vectors/social-handle from this implementation")

const vectorDir = "../../../docs/vectors/social-handle"

// vector is one file of docs/vectors/social-handle. op "handle": the
// handle of feed, as bytes (hex) and in both languages, or error when feed
// is not a feed's public address. op "parse": the handle text reads as,
// or error.
type vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Op          string `json:"op"`
	Feed        string `json:"feed,omitempty"`
	Text        string `json:"text,omitempty"`
	Bytes       string `json:"bytes,omitempty"`
	En          string `json:"en,omitempty"`
	Ar          string `json:"ar,omitempty"`
	Error       bool   `json:"error,omitempty"`
}

// layla is the feed of docs/vectors/social-inbox/id-layla.json.
const layla = "USK@nG2K1S8Q8Sy3eLEHipBMmRe58Yn6R93dOA~D0-F1f~c,VfJ-fWa3E1fGs7YUQV6UrhCSvDHL98fjrGXozfne6Dg,AQABAAE/hams-social/0"

// feedWith is layla's address with another public key hash (SHA-256 of
// seed) and, if ck is not "", another crypto key.
func feedWith(t testing.TB, seed, ck string) string {
	u, err := keys.Parse(layla)
	if err != nil {
		t.Fatal(err)
	}
	if seed != "" {
		u.Key = sha256.Sum256([]byte(seed))
	}
	if ck != "" {
		u.CryptoKey = sha256.Sum256([]byte(ck))
	}
	return u.String()
}

func makeVectors(t testing.TB) []vector {
	vs := []vector{
		{Name: "handle-layla", Description: "the handle of the feed of docs/vectors/social-inbox/id-layla.json", Op: "handle", Feed: layla},
		{Name: "handle-any-edition", Description: "the edition does not matter: the same handle as handle-layla", Op: "handle", Feed: strings.TrimSuffix(layla, "/0") + "/4096"},
		{Name: "handle-freenet-prefix", Description: "nor does the freenet: prefix", Op: "handle", Feed: "freenet:" + layla},
		{Name: "handle-other-crypto-key", Description: "nor the crypto key (the second part of the address, which the feed's maker chooses freely): only the public key hash counts", Op: "handle", Feed: feedWith(t, "", "other")},
		{Name: "handle-ssk", Description: "an SSK request URI of the same key pair: the same handle", Op: "handle", Feed: strings.Replace(strings.Replace(layla, "USK@", "SSK@", 1), "/hams-social/0", "/hams-social-0", 1)},
	}
	for _, s := range []string{"omar", "sam", "noor", "yusuf", "maryam"} {
		vs = append(vs, vector{Name: "handle-" + s, Description: "the public key hash is SHA-256(\"" + s + "\")", Op: "handle", Feed: feedWith(t, s, "")})
	}
	vs = append(vs,
		vector{Name: "reject-insert", Description: "an insert URI holds the private key: refused", Op: "handle", Feed: "USK@yhUt7b0RY6tGZOqx7nlE2YMvY11JNtgDUgeghame000,nKi7k3-C2VO1FJu0cfCBExGztzGwP3u~48z~b6CHat4,AQEBAAE/hams-social/3", Error: true},
		vector{Name: "reject-chk", Description: "a CHK is not a feed", Op: "handle", Feed: "CHK@qdW8LCWRB-1AzNEVkLAYvkXohnE8yaGqc6Z~f7w4T8o,uhhY5NcTz6NHVya6KLA6CmAs~M4qqJ8zp57vizUJGCM,AQEAAA", Error: true},
		vector{Name: "reject-garbage", Description: "not a URI", Op: "handle", Feed: "lion bread river", Error: true},
	)
	h, err := Of(layla)
	if err != nil {
		t.Fatal(err)
	}
	en, ar := h.Words(English), h.Words(Arabic)
	mixed := slices.Clone(en)
	mixed[1], mixed[4] = ar[1], ar[4]
	vs = append(vs,
		vector{Name: "parse-english", Description: "handle-layla typed in English", Op: "parse", Text: h.In(English)},
		vector{Name: "parse-arabic", Description: "handle-layla typed in Arabic", Op: "parse", Text: h.In(Arabic)},
		vector{Name: "parse-mixed", Description: "words of both lists may be mixed", Op: "parse", Text: strings.Join(mixed, " ")},
		vector{Name: "parse-spacing", Description: "case, hyphens, commas and extra spaces do not matter", Op: "parse", Text: "  " + strings.ToUpper(strings.Join(en[:3], "-")) + " ،  " + strings.Join(en[3:], ", ") + ".  "},
		vector{Name: "parse-arabic-variants", Description: "Arabic spelling variants: hamza on alef, taa marbuta as heh, alef maqsura as yeh, diacritics, tatweel, a missing final hamza, the article", Op: "parse", Text: "الاسد فراشه حلوي صحرا مُحَارَة نـجـمة"},
		vector{Name: "reject-parse-five", Description: "five words are not a handle", Op: "parse", Text: strings.Join(en[:5], " "), Error: true},
		vector{Name: "reject-parse-seven", Description: "nor seven", Op: "parse", Text: h.In(English) + " lion", Error: true},
		vector{Name: "reject-parse-unknown", Description: "a word of neither list", Op: "parse", Text: strings.Join(en[:5], " ") + " dragon", Error: true},
		vector{Name: "reject-parse-digits", Description: "digits are not words", Op: "parse", Text: "1 2 3 4 5 6", Error: true},
	)
	for i := range vs {
		v := &vs[i]
		if v.Error {
			continue
		}
		var h Handle
		var err error
		if v.Op == "handle" {
			h, err = Of(v.Feed)
		} else {
			h, err = Parse(v.Text)
		}
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		v.Bytes, v.En, v.Ar = hex.EncodeToString(h[:]), h.In(English), h.In(Arabic)
	}
	return vs
}

// TestVectors checks docs/vectors/social-handle; -update writes it.
func TestVectors(t *testing.T) {
	if *update {
		if err := os.MkdirAll(vectorDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, v := range makeVectors(t) {
			b, _ := json.MarshalIndent(v, "", "  ")
			if err := os.WriteFile(filepath.Join(vectorDir, v.Name+".json"), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if len(files) < 10 {
		t.Fatalf("%d vector files in %s", len(files), vectorDir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		var v vector
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var h Handle
		switch v.Op {
		case "handle":
			h, err = Of(v.Feed)
			if v.Error {
				if !errors.Is(err, ErrKey) {
					t.Errorf("%s: Of = %v, want ErrKey", v.Name, err)
				}
				continue
			}
		case "parse":
			h, err = Parse(v.Text)
			if v.Error {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Errorf("%s: Parse = %v, want a *ParseError", v.Name, err)
				}
				continue
			}
		default:
			t.Fatalf("%s: op %q", v.Name, v.Op)
		}
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		if got := hex.EncodeToString(h[:]); got != v.Bytes || h.In(English) != v.En || h.In(Arabic) != v.Ar {
			t.Errorf("%s: got %s %q %q, want %s %q %q", v.Name, got, h.In(English), h.In(Arabic), v.Bytes, v.En, v.Ar)
		}
	}
}

// TestRoundTrip: every word reads back in both languages, and each
// handle's two languages name the same bytes.
func TestRoundTrip(t *testing.T) {
	for i := range 256 {
		h := Handle{byte(i), byte(255 - i), byte(i * 7), byte(i * 13), byte(i + 1), byte(i * 31)}
		for _, l := range []string{English, Arabic} {
			got, err := Parse(h.In(l))
			if err != nil || got != h {
				t.Fatalf("Parse(%q) = %v, %v; want %v", h.In(l), got, err, h)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("lion bread river box honey star")
	f.Add("أسد خبز نهر صندوق عسل نجمة")
	f.Add("الأسد-خبز، نهر")
	f.Add("\u200f\u0640ـ")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err != nil {
			return
		}
		// What Parse accepts it reads the same once written out.
		for _, l := range []string{English, Arabic} {
			if g, err := Parse(h.In(l)); err != nil || g != h {
				t.Fatalf("Parse(%q) = %v; Parse(%q) = %v, %v", s, h, h.In(l), g, err)
			}
		}
	})
}
