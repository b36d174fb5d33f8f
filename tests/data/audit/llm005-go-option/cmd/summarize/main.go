// The endpoint is a client option built before the constructor (round 13's held-out openlit SDK
// took WithBaseURL the same way): whoever runs it may point it at a gateway, so "every call goes
// to OpenAI" is not this file's claim.
// negative: LLM005
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

func main() {
	opts := []option.RequestOption{option.WithRequestTimeout(60 * time.Second)}
	if url := os.Getenv("LLM_ENDPOINT"); url != "" {
		opts = append(opts, option.WithBaseURL(url))
	}
	client := openai.NewClient(opts...)
	resp, err := client.Chat.Completions.New(context.TODO(), openai.ChatCompletionNewParams{
		Model:     openai.ChatModelGPT4oMini,
		MaxTokens: openai.Int(256),
		Messages:  []openai.ChatCompletionMessageParamUnion{openai.UserMessage(os.Args[1])},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Choices[0].Message.Content)
}
