package ingest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// publishHook is the loopback HTTP server nginx-rtmp calls for on_publish.
// nginx-rtmp accepts a publish on a 2xx answer and drops the client on
// anything else (ngx_rtmp_notify_module).
type publishHook struct {
	url    string
	srv    *http.Server
	served chan struct{} // closed when Serve returned
}

func startPublishHook(decide func(app, key string) bool) (*publishHook, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &publishHook{
		url:    "http://" + l.Addr().String() + "/on_publish",
		served: make(chan struct{}),
	}
	h.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// nginx posts a form: call=publish&app=live&name=KEY&addr=...
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if !decide(r.PostForm.Get("app"), r.PostForm.Get("name")) {
				http.Error(w, "publish refused", http.StatusForbidden)
				return
			}
			w.WriteHeader(http.StatusOK)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		defer close(h.served)
		_ = h.srv.Serve(l) // returns http.ErrServerClosed on close
	}()
	return h, nil
}

// close stops the server: idle connections are closed at once, requests in
// flight get a moment to finish.
func (h *publishHook) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = h.srv.Close()
	}
	<-h.served
}
