// LLM call sites the v1 scanner missed: the .beta. namespace and with_raw_response wrappers,
// the legacy openai 0.x module API, agent loops that reach the model through a helper function,
// and loops that only look bounded (an attribute named `input`, a truthiness check).
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

// The findings of `path` audited alone, as RULE@LINE.
std::vector<std::string> ids(std::string_view path, std::string_view text) {
  return ids(run(path, text));
}

TEST(CodeCalls, BetaAndRawResponseWrappersAreCalls) {
  std::string py = R"(from anthropic import Anthropic
client = Anthropic(max_retries=4)
def ask(m):
    raw = client.beta.messages.with_raw_response.create(model="claude-sonnet-4-5", messages=m)
    return raw.parse()
)";
  EXPECT_EQ(ids("app/ask.py", py), (std::vector<std::string>{"LLM001@4", "LLM003@4", "LLM005@4"}));
}

TEST(CodeCalls, LegacyOpenAiModuleApi) {
  std::string py = R"(import openai
openai.api_key = KEY
def complete(p):
    return openai.Completion.create(model="gpt-3.5-turbo-instruct", prompt=p, max_tokens=64,
                                    request_timeout=30)
def chat(m):
    return openai.ChatCompletion.create(model="gpt-4o", messages=m)
)";
  EXPECT_EQ(ids("svc/legacy.py", py),
            (std::vector<std::string>{"LLM005@4", "LLM001@7", "LLM003@7"}));
}

TEST(CodeCalls, KwargsCallsAreCallsButNotJudged) {
  std::string py = R"(from openai import OpenAI
client = OpenAI()
def run(**params):
    while True:
        r = client.chat.completions.create(**params)
        if not r.choices[0].message.tool_calls:
            return r
)";
  // The call counts (LLM005, and the loop that reaches it) but its arguments are unknown.
  EXPECT_EQ(ids("agent/run.py", py), (std::vector<std::string>{"LLM008@4", "LLM005@5"}));
}

TEST(CodeCalls, AgentLoopThroughAHelperFunction) {
  std::string py = R"(from openai import OpenAI
client = OpenAI(timeout=30)
def step(history):
    return client.chat.completions.create(model="gpt-4o", messages=history, max_tokens=512)
def agent(history):
    while True:
        reply = step(history)
        for call in reply.choices[0].message.tool_calls or []:
            history.append(run_tool(call.function.name, call.function.input))
        if not reply.choices[0].message.tool_calls:
            return reply
)";
  auto with = [&](std::string_view from, std::string_view to) {
    std::string s = py;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_EQ(ids("agent/loop.py", py), (std::vector<std::string>{"LLM005@4", "LLM008@6"}));
  // A step bound makes it fine, in either form.
  EXPECT_EQ(ids("agent/loop.py", with("    while True:\n", "    for _ in range(MAX_STEPS):\n")),
            (std::vector<std::string>{"LLM005@4"}));
  const std::string_view step = "        reply = step(history)\n";
  EXPECT_EQ(
      ids("agent/loop.py",
          with(step, "        reply = step(history)\n        if turns >= MAX_TURNS: break\n")),
      (std::vector<std::string>{"LLM005@4"}));
  // A chat REPL reading a human's line is not an agent loop.
  EXPECT_EQ(
      ids("agent/loop.py",
          with(step, "        history.append(input(\"> \"))\n        reply = step(history)\n")),
      (std::vector<std::string>{"LLM005@4"}));
}

// A script someone runs by hand against a server they started on the same machine holds no
// service's worker or user: LLM001 stays quiet. The same call in a web app, against a remote
// endpoint, or with the URL from elsewhere is still judged.
TEST(CodeCalls, HandRunScriptAgainstLocalServerNeedsNoTimeout) {
  const std::string script = R"(from openai import OpenAI
BASE = "http://localhost:8000/v1"
client = OpenAI(base_url=BASE, api_key="dummy")
def ask(m):
    return client.chat.completions.create(model="m", messages=m, max_tokens=100)
if __name__ == "__main__":
    print(ask([{"role": "user", "content": "hi"}]))
)";
  EXPECT_EQ(ids("client.py", script), std::vector<std::string>{});
  std::string literal = script;
  literal.replace(literal.find("base_url=BASE"), 13, "base_url=\"http://127.0.0.1:8000/v1\"");
  EXPECT_EQ(ids("client.py", literal), std::vector<std::string>{});
  std::string remote = script;
  remote.replace(remote.find("localhost"), 9, "llm.internal");
  EXPECT_EQ(ids("client.py", remote), std::vector<std::string>{"LLM001@5"});
  std::string served = "from fastapi import FastAPI\n" + script;
  EXPECT_EQ(ids("client.py", served), std::vector<std::string>{"LLM001@6"});
  std::string no_main = script.substr(0, script.find("if __name__"));
  EXPECT_EQ(ids("client.py", no_main), std::vector<std::string>{"LLM001@5"});
  std::string from_env = script;
  from_env.replace(from_env.find("base_url=BASE"), 13, "base_url=os.environ[\"URL\"]");
  EXPECT_EQ(ids("client.py", from_env), std::vector<std::string>{"LLM001@5"});
}

}  // namespace

TEST(CodeCalls, NoneIsNotAnOutputCap) {
  // A None default passed on unchanged caps nothing; a caller in the file that passes a value
  // may, so it is not judged as uncapped.
  constexpr std::string_view kNone = R"(from openai import OpenAI
from fastapi import FastAPI

app = FastAPI()
client = OpenAI(timeout=30)

def query(messages, max_tokens=None):
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                          max_tokens=max_tokens)

def literal(messages):
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=None)
)";
  auto caps = [](const std::vector<std::string>& fs) {
    return std::count_if(fs.begin(), fs.end(),
                         [](const std::string& f) { return f.rfind("LLM003@", 0) == 0; });
  };
  auto fs = ids("svc/llm.py", kNone);
  EXPECT_EQ(caps(fs), 2) << testing::PrintToString(fs);
  std::string passed(kNone);
  passed += "\ndef short(m):\n    return query(m, max_tokens=256)\n";
  auto ps = ids("svc/llm.py", passed);
  EXPECT_EQ(caps(ps), 1) << testing::PrintToString(ps);
}

}  // namespace llmctl::audit
