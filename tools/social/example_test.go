package social_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/hamsnet/hams/tools/social"
)

// An App serves the social front-end's pages. Here its node is not
// running, so the page offers to create an identity and says the node
// cannot be reached once the App has tried; a real one is opened with the
// node's FCP address and served with Run.
func Example() {
	dir, _ := os.MkdirTemp("", "hams-social-example-")
	defer os.RemoveAll(dir)
	app, err := social.Open(social.Config{Dir: dir, FCPAddr: "127.0.0.1:1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer app.Close()
	page := httptest.NewRecorder()
	app.Handler("127.0.0.1:8889").ServeHTTP(page, httptest.NewRequest("GET", "http://127.0.0.1:8889/", nil))
	body := page.Body.String()
	fmt.Println(page.Code, strings.Contains(body, `<form method="post" action="/identity"`))
	// Output: 200 true
}
