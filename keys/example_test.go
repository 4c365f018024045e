package keys_test

import (
	"bytes"
	"fmt"

	"github.com/hamsnet/hams/keys"
)

// Insert side: encode a small file as a CHK. Fetch side: verify the block by
// its routing key (as any relay does), then decode it with the URI.
func ExampleEncodeCHK() {
	block, uri, err := keys.EncodeCHK([]byte("همس — a whisper"), keys.EncodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(block), uri.Type)

	rk, _ := keys.RoutingKeyOf(uri)
	fmt.Println(keys.VerifyBlock(rk, block))

	d, err := keys.Decode(block, uri)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(d.Bytes))
	// Output:
	// 32776 CHK
	// <nil>
	// همس — a whisper
}

// Create a keypair, insert a document under a name, and read it back with the
// request URI. The randomness is passed in; use crypto/rand.Reader for real
// keys.
func ExampleGenerateSSK() {
	insert, request, err := keys.GenerateSSK(bytes.NewReader(make([]byte, 64))) // not random: an example
	if err != nil {
		panic(err)
	}
	insert.Name, request.Name = "profile", "profile"

	block, got, err := keys.EncodeSSK(insert, []byte("name: Layla"), keys.EncodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Equal(request), request.IsInsert(), len(block))

	d, err := keys.Decode(block, request)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(d.Bytes))
	// Output:
	// true false 1176
	// name: Layla
}

// Parse accepts the forms FCP clients send and String gives one canonical form.
func ExampleParse() {
	u, err := keys.Parse("freenet:usk@AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AQABAAE/blog/-3/index.html")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Type, u.Name, u.Edition, u.Meta)
	fmt.Println(u)

	_, err = keys.Parse("CHK@not-base64!,x,y")
	fmt.Println(err)
	// Output:
	// USK blog -3 [index.html]
	// USK@AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,AQABAAE/blog/-3/index.html
	// keys: invalid URI: "not-base64!": key is not Freenet base64
}

// A USK edition is an SSK whose document name is "site-N".
func ExampleURI_SSKForEdition() {
	_, request, _ := keys.GenerateSSK(bytes.NewReader(make([]byte, 64)))
	request.Type, request.Name, request.Edition = keys.USK, "blog", 7
	ssk, _ := request.SSKForEdition(7)
	fmt.Println(ssk.Type, ssk.Name)
	// Output:
	// SSK blog-7
}
