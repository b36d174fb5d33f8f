// Package llm: a client that takes the service's shared HTTP client, built in another file of
// the service (newSharedHTTPClient, with its timeout and proxy settings). Its timeout is not
// visible here, so the call is not judged for one.
// negative: LLM001
package llm

import (
	"context"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

type Tagger struct {
	client openai.Client
}

func NewTagger(key string) *Tagger {
	httpClient := newSharedHTTPClient()
	opts := []option.RequestOption{option.WithAPIKey(key)}
	opts = append(opts, option.WithHTTPClient(httpClient))
	return &Tagger{client: openai.NewClient(opts...)}
}

func (t *Tagger) Tag(ctx context.Context, text string) (string, error) {
	resp, err := t.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:     openai.ChatModelGPT4o2024_08_06,
		MaxTokens: openai.Int(20),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.UserMessage("One tag for:\n" + text),
		},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
