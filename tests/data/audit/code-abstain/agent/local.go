// The same package, with a client and a request this file does build: judged.
package agent

import (
	"context"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

func Summarize(text string) (string, error) {
	client := openai.NewClient(option.WithBaseURL("http://llm-gateway.internal:4000/v1"))
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{ // expect: LLM001, LLM003
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(text)},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
