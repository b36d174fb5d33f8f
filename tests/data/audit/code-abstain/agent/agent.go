// negative: LLM001, LLM003
// A library's agent: its client and its request are struct fields that the library's user sets
// through option functions in another file (WithOpenAIURL passes option.WithBaseURL, WithParams
// hands in the ChatCompletionNewParams, MaxTokens included). This file builds neither, so the
// client rules and the output-cap rule leave them to the code that does.
package agent

import (
	"context"

	"github.com/openai/openai-go"
)

type Agent struct {
	Name         string
	clientEngine openai.Client
	Params       openai.ChatCompletionNewParams
}

func (a *Agent) Complete(ctx context.Context, messages []openai.ChatCompletionMessageParamUnion) (string, error) {
	a.Params.Messages = messages
	completion, err := a.clientEngine.Chat.Completions.New(ctx, a.Params)
	if err != nil {
		return "", err
	}
	return completion.Choices[0].Message.Content, nil
}
