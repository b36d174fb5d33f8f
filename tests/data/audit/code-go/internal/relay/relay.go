// negative: LLM002
// A transparent proxy: the handler forwards its caller's request to OpenAI and hands the
// upstream status and body back, so the caller's SDK sees a 429 and retries; retrying here as
// well would multiply the retries. The client has a timeout, so nothing else is reported.
package relay

import (
	"io"
	"net/http"
	"time"
)

var upstream = &http.Client{Timeout: 120 * time.Second}

func Forward(w http.ResponseWriter, r *http.Request) {
	target := "https://api.openai.com" + r.URL.Path
	req, err := http.NewRequest(r.Method, target, r.Body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := upstream.Do(req)
	if err != nil {
		http.Error(w, "upstream unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}
