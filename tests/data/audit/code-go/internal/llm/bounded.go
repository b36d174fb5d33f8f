// negative: LLM001, LLM003, LLM004, LLM008
package llm

import (
	"context"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

const maxSteps = 8

// Bounded loop, request timeout on the client and a pinned model: nothing to report.
func RunBounded(ctx context.Context, task string) (string, error) {
	client := anthropic.NewClient(option.WithRequestTimeout(45 * time.Second))
	messages := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(task))}
	for step := 0; step < maxSteps; step++ {
		msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
			Model:     "claude-sonnet-4-5-20250929",
			MaxTokens: 1024,
			Messages:  messages,
		})
		if err != nil {
			return "", err
		}
		if msg.StopReason != anthropic.StopReasonToolUse {
			return msg.Content[0].Text, nil
		}
		messages = append(messages, msg.ToParam())
	}
	return "", context.DeadlineExceeded
}
