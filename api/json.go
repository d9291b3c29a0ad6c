package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiError is every error's body: one line that says what is wrong and
// what to do.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away
}

// decodeBody reads a JSON object into v strictly: bounded in size, no
// unknown field, nothing after it. The error is for the client (400, or
// 413 when too large); fields names what v takes.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, fields string) (int, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("more than one JSON object")
		}
	}
	if err == nil {
		return 0, nil
	}
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("the body is larger than %d KiB: send only the fields to change (%s)", maxBody>>10, fields)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, fmt.Errorf("the body is empty: send a JSON object with %s", fields)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return http.StatusBadRequest, fmt.Errorf("unknown field %s: this takes %s", name, fields)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, fmt.Errorf("the body is not valid JSON: send an object with %s", fields)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return http.StatusBadRequest, fmt.Errorf("field %q: want %s, not %s", typ.Field, kindOf(typ.Type.Kind().String()), typ.Value)
		}
		return http.StatusBadRequest, fmt.Errorf("want a JSON object with %s, not %s", fields, typ.Value)
	}
	return http.StatusBadRequest, fmt.Errorf("the body cannot be read: %v; send a JSON object with %s", err, fields)
}

func kindOf(k string) string {
	switch {
	case k == "bool":
		return "true or false"
	case k == "string":
		return "a string"
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	}
	return k
}
