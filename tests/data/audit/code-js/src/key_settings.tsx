// A settings form: the key-shaped placeholder and the zod description show the user what a key
// looks like; the one passed to the client is a leaked key.
// negative: LLM006
import OpenAI from "openai";
import { z } from "zod";

export const Settings = z.object({
  apiKey: z.string().describe("an OpenAI key, e.g. sk-proj-Q8wX3mZ7pL2vN9rT4kB6yH1cF5dJ0sA7"),
});

export function KeyInput() {
  return <input type="password" placeholder="sk-proj-Z4nR8tY2uI6oP0aS3dF7gH1jK5lQ9wE2rT" />;
}

export const client = new OpenAI({
  apiKey: "sk-proj-M3nB7vC1xZ5aS9dF2gH6jK0lQ4wE8rT1yU5iO9p", // expect: LLM006
  timeout: 30000,
});
