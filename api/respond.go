package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// errorResponse is the one error shape of the whole API:
//
//	{"error":{"code":"not_found","message":"..."}}
//
// Clients branch on code; message is for people.
type errorResponse struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// encode writes v as the JSON body of a response with the given status.
// It marshals before writing anything, so a value that cannot be encoded
// still leaves room for a 500.
func encode[T any](w http.ResponseWriter, status int, v T) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	writeJSON(w, status, append(body, '\n'))
	return nil
}

// decode reads a JSON request body into a T. No route takes a body yet; the
// first one that does uses this, so that a body over MAX_BODY_BYTES becomes
// a 413 in one place (see writeDecodeError).
func decode[T any](r *http.Request) (T, error) {
	var v T
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("decode %T: %w", v, err)
	}
	return v, nil
}

// writeDecodeError answers a request whose body decode rejected.
func writeDecodeError(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("request body exceeds %d bytes", tooLarge.Limit))
		return
	}
	writeError(w, http.StatusBadRequest, "bad_request", "request body is not valid JSON for this endpoint")
}

// writeError writes the API's error shape. Messages are fixed strings chosen
// by the caller, never echoes of request input.
func writeError(w http.ResponseWriter, status int, code, message string) {
	// An errorResponse of two strings always marshals.
	_ = encode(w, status, errorResponse{Error: errorDetail{Code: code, Message: message}})
}

// contentTypeJSON is shared by every response, like the values in
// securityHeaders: net/http only reads it, and its capacity of one makes an
// append by anyone copy it first.
var contentTypeJSON = []string{"application/json"}

// writeJSON writes an already encoded body. Hot endpoints encode theirs once
// at startup and come straight here.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	// Assigned rather than Set: Set canonicalizes the key and allocates a
	// new value slice on every response.
	w.Header()["Content-Type"] = contentTypeJSON
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mustJSON encodes a response body at startup. The values are fixed structs
// of strings, so a failure is a programming error worth crashing on.
func mustJSON(v any) []byte {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode static response %T: %v", v, err))
	}
	return append(body, '\n')
}
