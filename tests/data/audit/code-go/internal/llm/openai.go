// Package llm wraps the OpenAI Go SDK for the summarizer service.
package llm

import (
	"context"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

type Summarizer struct {
	client openai.Client
}

func NewSummarizer(key string) *Summarizer {
	return &Summarizer{client: openai.NewClient(option.WithAPIKey(key))}
}

func (s *Summarizer) Summarize(ctx context.Context, text string) (string, error) {
	resp, err := s.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{ // expect: LLM001, LLM003
		Model: openai.ChatModelGPT4o2024_08_06,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.UserMessage("Summarize:\n" + text),
		},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
