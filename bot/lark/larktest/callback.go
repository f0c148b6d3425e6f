package larktest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// Encrypt encrypts an event body the way Lark does for an app with an encrypt key: AES-256-CBC
// with the key sha256(encryptKey), a random IV in front of the ciphertext, PKCS#7 padding, and
// standard base64 over IV and ciphertext.
func Encrypt(plain []byte, encryptKey string) (string, error) {
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return "", fmt.Errorf("encrypt event: %w", err)
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, aes.BlockSize+len(padded))
	if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
		return "", fmt.Errorf("encrypt event: %w", err)
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], padded)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Sign is the X-Lark-Signature of a callback: hex(sha256(timestamp + nonce + encryptKey + body)).
func Sign(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp + nonce + encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// CallbackRequest builds the POST that Lark sends to an app's request URL. With an encrypt key
// the event is encrypted into {"encrypt": "..."} and the request is signed with the
// X-Lark-Request-Timestamp, X-Lark-Request-Nonce and X-Lark-Signature headers; without one the
// event is sent as it is, unsigned.
func CallbackRequest(target string, event []byte, encryptKey, timestamp, nonce string) (*http.Request, error) {
	body := event
	if encryptKey != "" {
		enc, err := Encrypt(event, encryptKey)
		if err != nil {
			return nil, err
		}
		if body, err = json.Marshal(map[string]string{"encrypt": enc}); err != nil {
			return nil, fmt.Errorf("encode encrypted event: %w", err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if encryptKey != "" {
		req.Header.Set("X-Lark-Request-Timestamp", timestamp)
		req.Header.Set("X-Lark-Request-Nonce", nonce)
		req.Header.Set("X-Lark-Signature", Sign(timestamp, nonce, encryptKey, body))
	}
	return req, nil
}

// SignLegacyCard is the X-Lark-Signature of a legacy card callback:
// hex(sha1(timestamp + nonce + verificationToken + body)).
func SignLegacyCard(timestamp, nonce, verificationToken string, body []byte) string {
	h := sha1.New()
	h.Write([]byte(timestamp + nonce + verificationToken))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// LegacyCardRequest builds the POST of a legacy card callback (the message card request URL),
// unencrypted and signed with the verification token.
func LegacyCardRequest(target string, body []byte, verificationToken, timestamp, nonce string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build card callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Lark-Request-Timestamp", timestamp)
	req.Header.Set("X-Lark-Request-Nonce", nonce)
	req.Header.Set("X-Lark-Signature", SignLegacyCard(timestamp, nonce, verificationToken, body))
	return req, nil
}
