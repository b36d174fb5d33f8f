// The triage agent: Anthropic Go SDK with a deadline per call and an output cap, but an
// unbounded tool loop and a floating model constant.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
)

func main() {
	client := anthropic.NewClient()
	messages := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("triage the alert"))}
	for { // expect: LLM008
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
			Model:     anthropic.ModelClaude3_5SonnetLatest, // expect: LLM004
			MaxTokens: 1024,
			Messages:  messages,
		})
		cancel()
		if err != nil {
			panic(err)
		}
		if msg.StopReason != anthropic.StopReasonToolUse {
			fmt.Println(msg.Content[0].Text)
			return
		}
		messages = append(messages, msg.ToParam())
	}
}
