// Package llm: a client given an HTTP client built right here, with a transport and no time
// limit. The file shows everything, and nothing bounds the request.
package llm

import (
	"context"
	"net/http"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

type Classifier struct {
	client openai.Client
}

func NewClassifier(key string) *Classifier {
	hc := &http.Client{Transport: http.DefaultTransport}
	return &Classifier{client: openai.NewClient(option.WithAPIKey(key), option.WithHTTPClient(hc))}
}

func (c *Classifier) Classify(ctx context.Context, text string) (string, error) {
	resp, err := c.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{ // expect: LLM001
		Model:     openai.ChatModelGPT4o2024_08_06,
		MaxTokens: openai.Int(5),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.UserMessage("positive or negative:\n" + text),
		},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
