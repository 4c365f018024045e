package social

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMessageHidesInternals: an error the front-end has no words for is
// shown in the page's language without Go's text (which goes to the log);
// the errors it has words for keep them.
func TestMessageHidesInternals(t *testing.T) {
	var log strings.Builder
	a := &App{cfg: Config{Logger: slog.New(slog.NewTextHandler(&log, nil))}}
	raw := fmt.Errorf("social: fcp: read tcp 127.0.0.1:40511->127.0.0.1:9481: connection reset by peer")
	for _, lang := range []string{"en", "ar"} {
		r := httptest.NewRequest("POST", "/post", nil)
		r.Header.Set("Accept-Language", lang)
		got := a.message(r, raw)
		if strings.Contains(got, "tcp") || strings.Contains(got, "social:") || strings.Contains(got, "%") {
			t.Errorf("%s: %q shows the internals", lang, got)
		}
		if got != tr(lang, "err.other") {
			t.Errorf("%s: %q", lang, got)
		}
		if words := a.message(r, &userError{Key: "err.text_empty"}); words != tr(lang, "err.text_empty") {
			t.Errorf("%s: a user error became %q", lang, words)
		}
		if words := a.message(r, errors.Join(errNoIdentity)); words != tr(lang, "err.no_identity") {
			t.Errorf("%s: no identity became %q", lang, words)
		}
	}
	if !strings.Contains(log.String(), "connection reset by peer") {
		t.Errorf("the error is not in the log: %q", log.String())
	}
}

// TestTrIso: a person's words inside an interface sentence are isolated
// and escaped, in both languages.
func TestTrIso(t *testing.T) {
	for lang, want := range map[string]string{
		"en": `Reply to <bdi dir="auto">سلمى &lt;b&gt;</bdi>`,
		"ar": `ردّ على <bdi dir="auto">سلمى &lt;b&gt;</bdi>`,
	} {
		if got := string(trIso(lang, "compose.reply", "سلمى <b>")); got != want {
			t.Errorf("%s: %s, want %s", lang, got, want)
		}
	}
}
