package llm

import (
	"bytes"
	"net/http"
)

// Embed posts straight to the OpenAI API with the default client: no timeout, no retry.
func Complete(body []byte, key string) (*http.Response, error) {
	req, err := http.NewRequest("POST", "https://api.openai.com/v1/chat/completions", bytes.NewReader(body)) // expect: LLM001, LLM002
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return http.DefaultClient.Do(req)
}
