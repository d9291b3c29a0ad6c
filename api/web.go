package api

import (
	"embed"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// The web monitor: one page, its script and style inline (no CDN, nothing
// fetched from elsewhere), and the login form.
//
//go:embed web/index.html web/login.html openapi.json
var files embed.FS

var (
	pageTmpl  = template.Must(template.ParseFS(files, "web/index.html"))
	loginTmpl = template.Must(template.ParseFS(files, "web/login.html"))
)

// pageSecurity keeps the pages to themselves: nothing from elsewhere, no
// framing.
const pageSecurity = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"

func pageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", pageSecurity)
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	w.WriteHeader(http.StatusOK)
	_ = pageTmpl.Execute(w, map[string]string{"Version": s.opt.Version})
}

func (s *Server) loginPage(w http.ResponseWriter, status int, problem string) {
	pageHeaders(w)
	w.WriteHeader(status)
	_ = loginTmpl.Execute(w, map[string]string{"Version": s.opt.Version, "Problem": problem})
}

// cookieAge is how long a browser stays logged in.
const cookieAge = 30 * 24 * time.Hour

// login checks the form's token and, when right, sets the cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.loginPage(w, http.StatusBadRequest, "The form could not be read: reload the page and try again.")
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	want := s.opt.Token()
	if want == "" || !tokenEqual(tok, want) {
		s.limiter.fail(clientOf(r), time.Now())
		w.Header().Set("WWW-Authenticate", `Bearer realm="Relay Studio"`)
		s.loginPage(w, http.StatusUnauthorized, "Wrong token. Copy it again from the studio's Remote control window, or run: relaystudio config token")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: tok, Path: "/", MaxAge: int(cookieAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("openapi.json")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
