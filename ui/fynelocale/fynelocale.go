// Package fynelocale keeps Fyne from printing "Fyne error: Error parsing
// user locale C" at every start on systems whose locale is C.UTF-8 (most
// containers, CI machines, minimal installs): Fyne reads the locale in an
// init function and cannot parse "C". Imported by ui (and so by main and
// the ui tests) for its init.
//
// It must run before Fyne's lang package initialises, so it imports only
// syscall: Go initialises packages in import-path order among those whose
// imports are ready, and this one is ready as soon as syscall is, long
// before lang (which needs os). It only sets LANGUAGE, which gettext-style
// lookups consult and nothing else in the process reads, and only when the
// locale is C or POSIX and LANGUAGE is unset.
package fynelocale

import "syscall"

func init() {
	if _, ok := syscall.Getenv("LANGUAGE"); ok {
		return
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v, ok := syscall.Getenv(name)
		if !ok || v == "" {
			continue
		}
		if v == "C" || v == "POSIX" || len(v) > 2 && v[:2] == "C." {
			_ = syscall.Setenv("LANGUAGE", "en")
		}
		return
	}
}
