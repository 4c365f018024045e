package vectorfile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type vec struct {
	Name string `json:"name"`
	Rule string `json:"rule"`
}

func write(t *testing.T, dir, file, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRead(t *testing.T) {
	name := func(v *vec) string { return v.Name }
	dir := t.TempDir()
	if _, err := Read(dir, name); err == nil {
		t.Error("empty directory accepted")
	}
	write(t, dir, "a.json", `{"name":"a","rule":"X1"}`)
	write(t, dir, "b.json", `{"name":"b"}`)
	vs, err := Read(dir, name)
	if err != nil || len(vs) != 2 || vs[0].Rule != "X1" || vs[1].Name != "b" {
		t.Fatalf("Read = %+v, %v", vs, err)
	}
	for file, body := range map[string]string{
		"c.json": `{"name":"c","extra":1}`,
		"d.json": `{"name":"d"} {"name":"d"}`,
		"e.json": `{"name":"other"}`,
		"f.json": `{"name":`,
	} {
		bad := t.TempDir()
		write(t, bad, file, body)
		if _, err := Read(bad, name); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("%s %s: %v", file, body, err)
		}
	}
}

func TestRules(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "spec.md", "- **[X1]** one\n- **[X2]** two\n[X3] not bold\n")
	spec, err := SpecRules(filepath.Join(dir, "spec.md"), `\*\*\[(X\d+)\]\*\*`)
	if err != nil || !reflect.DeepEqual(spec, map[string]bool{"X1": true, "X2": true}) {
		t.Fatalf("SpecRules = %v, %v", spec, err)
	}
	if _, err := SpecRules(filepath.Join(dir, "spec.md"), `\*\*\[(Y\d+)\]\*\*`); err == nil {
		t.Error("a spec without rules accepted")
	}
	unc, und := CompareRules(spec, map[string]bool{"X2": true, "X9": true})
	if !reflect.DeepEqual(unc, []string{"X1"}) || !reflect.DeepEqual(und, []string{"X9"}) {
		t.Errorf("CompareRules = %v, %v", unc, und)
	}
}
