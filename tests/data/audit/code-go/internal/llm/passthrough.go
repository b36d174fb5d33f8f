// An instrumented client that forwards its caller's request (round 13's held-out openlit SDK):
// the output cap is the caller's field, not this wrapper's. Its method declarations name
// CreateChatCompletion; they call nothing.
// negative: LLM003
package llm

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

type Instrumented struct{ inner *openai.Client }

func (c *Instrumented) CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 60e9)
	defer cancel()
	return c.inner.CreateChatCompletion(ctx, req)
}
