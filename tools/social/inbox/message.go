package inbox

import (
	"io"

	"golang.org/x/crypto/nacl/box"
)

// SealMessage seals a private message from the writer's key pair to the
// recipient's public key (their profile's box): NaCl box.Seal with a
// 24-byte nonce read from rand. The text is 1 to MaxMessageBytes bytes of
// UTF-8 with no control character but newline and tab (a writer turns CRLF
// into LF); anything else is a CodeBadArgument error at path "text". Put
// the result in a Note of TypeMessage.
func SealMessage(text string, from KeyPair, to [32]byte, rand io.Reader) (*Message, error) {
	if why := checkMessageText(text); why != "" {
		return nil, errorf(CodeBadArgument, "text", "the message %s", why)
	}
	m := &Message{Box: from.Public}
	if _, err := io.ReadFull(rand, m.Nonce[:]); err != nil {
		return nil, errorf(CodeBadArgument, "rand", "reading randomness: %v", err)
	}
	m.Sealed = box.Seal(nil, []byte(text), &m.Nonce, &to, &from.Private)
	return m, nil
}

// OpenMessage opens a message sealed to the key pair to and returns its
// text. It opens with m.Box, the key the message claims as its writer's: a
// reader MUST first check that m.Box is the box of the note's From feed
// (docs/social-inbox.md §4), and only then may it believe that the holder
// of that feed's key wrote the text. A box that does not open (another
// recipient, another writer key, damage) is a CodeNotForMe error; a text
// that opens but breaks the rules of SealMessage is CodeBadNote at
// "message.sealed".
func OpenMessage(m *Message, to KeyPair) (string, error) {
	if m == nil {
		return "", errorf(CodeBadArgument, "message", "no message")
	}
	text, ok := box.Open(nil, m.Sealed, &m.Nonce, &m.Box, &to.Private)
	if !ok {
		return "", errorf(CodeNotForMe, "", "the message does not open with its writer's box key and this key")
	}
	if why := checkMessageText(string(text)); why != "" {
		return "", errorf(CodeBadNote, "message.sealed", "the message text %s", why)
	}
	return string(text), nil
}
