package settings

import (
	"errors"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a config: where it is and what to do.
// Load, Check and Validate return problems joined with errors.Join; use
// Problems to get them back one by one (the window lists them).
type Problem struct {
	// File is the config file, or "" for a Config not read from a file.
	File string
	// Line is the 1-based line of the key (or of its table when the key was
	// left out), or 0 when unknown.
	Line int
	// Key is the full key path such as "streams[0].video.bitrate", or ""
	// when the problem is about the file as a whole.
	Key string
	// Message says what is wrong and what to do. It never holds a secret.
	Message string

	err error // the cause, for errors.Is (fs.ErrNotExist...)
}

// Error formats the problem as "file:line: key: message", leaving out the
// parts that are unknown.
func (p *Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Unwrap returns the underlying cause (an *fs.PathError when the file could
// not be read), or nil.
func (p *Problem) Unwrap() error { return p.err }

// Problems returns every *Problem in err, in order.
func Problems(err error) []*Problem {
	var out []*Problem
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if p, ok := e.(*Problem); ok {
			out = append(out, p)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// Summary words err's problems for someone who did not write the file (a
// request to the API, a dialog's field): "key: message; key: message",
// without the file and line. An err with no Problem is worded as it is.
func Summary(err error) string {
	ps := Problems(err)
	if len(ps) == 0 {
		return err.Error()
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Message
		if p.Key != "" {
			parts[i] = p.Key + ": " + p.Message
		}
	}
	return strings.Join(parts, "; ")
}

// origin is where a Config was read from or last saved to.
type origin struct {
	file string
	keys *keyIndex
}

// problem builds a Problem at path, with the file and line when known.
func (o *origin) problem(path, msg string) *Problem {
	p := &Problem{Key: path, Message: msg}
	if o != nil {
		p.File = o.file
		p.Line, _ = o.keys.line(path)
	}
	return p
}

// joinProblems joins problems into one error, or nil when there are none.
func joinProblems(ps []*Problem) error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}
