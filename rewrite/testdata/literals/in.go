package literals

import (
	"net/http"
	"time"
)

var global = &http.Client{Timeout: time.Second}

func literals() {
	c := &http.Client{
		Transport: &http.Transport{MaxIdleConns: 1},
		Timeout:   time.Second,
	}
	v := http.Client{Timeout: 2 * time.Second}
	t := http.Client{}.Timeout
	s := &http.Server{Addr: ":0"}
	var tv http.Transport // value literal of a type with a mutex: left alone
	_, _, _, _, _ = c, v, t, s, &tv
	clients := []*http.Client{{Timeout: 1}} // elided type: left alone
	_ = clients
}
