// The code scanner's loops (a loop body that reaches an LLM call directly or through a helper
// function of the same file, and whether a counter bounds it) and model-name literals.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "audit/facts/code_scan.h"
#include "audit/lexer.h"
#include "common/strings.h"

namespace llmctl::audit::detail {

bool CodeScan::bounding_compare(size_t i, size_t b, size_t e) const {
  auto counter = [&](size_t j) {
    if (j < b || j >= e || !t_[j].ident()) return false;
    // Whole words of the identifier, each read by its stem: "turns", "max_turns" and "numTurns"
    // count, "return" does not. A delay or elapsed time that grows each pass bounds the loop as
    // a counter does (`retry_delay *= 2; if retry_delay > RETRY_TIMEOUT: return`).
    for (const std::string& w : identifier_words(t_[j].text)) {
      if (w == "n" || w == "max" || w == "i") return true;
      for (std::string_view k :
           {"iter",   "step",  "turn",  "round",   "loop",    "count", "attempt",
            "budget", "token", "depth", "hop",     "calls",   "limit", "retry",
            "retri",  "tries", "delay", "backoff", "elapsed", "wait"})
        if (starts_with(w, k)) return true;
    }
    return false;
  };
  // A name the loop body steps (`i += 1`, `n++`, `++k`, `k = k + 1`) counts passes.
  auto stepped = [&](size_t j) {
    if (j < b || j >= e || !t_[j].ident()) return false;
    const std::string_view name = t_[j].text;
    for (size_t k = b; k + 1 < e; ++k) {
      if (t_[k].text != name) continue;
      if (t_[k + 1].text == "+=" || (t_[k + 1].text == "+" && k + 2 < e && t_[k + 2].text == "+") ||
          (k >= b + 2 && t_[k - 1].text == "+" && t_[k - 2].text == "+"))
        return true;
      if (t_[k + 1].text == "=" && k + 3 < e && t_[k + 2].text == name && t_[k + 3].text == "+")
        return true;
    }
    return false;
  };
  auto limit = [&](size_t j) {
    if (j < b || j >= e) return false;
    if (t_[j].kind == Tok::Kind::kNumber) return true;
    if (!t_[j].ident()) return false;
    std::string l = to_lower(t_[j].text);
    bool caps = true;
    for (char c : t_[j].text)
      if (std::islower(static_cast<unsigned char>(c))) caps = false;
    return caps || contains(l, "max") || contains(l, "limit") || contains(l, "budget") ||
           contains(l, "timeout") || contains(l, "deadline") || ends_with(l, "retries") ||
           ends_with(l, "tries");
  };
  auto operand = [&](size_t j) {
    return j >= b && j < e && (t_[j].ident() || t_[j].kind == Tok::Kind::kNumber);
  };
  bool left_counter = false, right_counter = false, left_limit = false, right_limit = false;
  bool left_stepped = false, right_stepped = false, left_operand = false, right_operand = false;
  for (size_t j = i >= 3 ? i - 3 : b; j < i; ++j) {
    left_counter = left_counter || counter(j);
    left_limit = left_limit || limit(j);
    left_stepped = left_stepped || stepped(j);
    left_operand = left_operand || operand(j);
  }
  for (size_t j = i + 1; j < std::min(e, i + 4); ++j) {
    right_counter = right_counter || counter(j);
    right_limit = right_limit || limit(j);
    right_stepped = right_stepped || stepped(j);
    right_operand = right_operand || operand(j);
  }
  // A stepped name against any value (`n > retries`) bounds the loop as a named counter
  // against a limit does.
  return (left_counter && right_limit) || (right_counter && left_limit) ||
         (left_stepped && right_operand) || (right_stepped && left_operand);
}

// Functions of this file whose bodies reach an LLM call (directly or through each other).
std::set<std::string> CodeScan::llm_helpers() const {
  struct Def {
    std::string name;
    size_t b = 0, e = 0;
  };
  std::vector<Def> defs;
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (lang_ == Lang::kPython && t_[i].text == "def" && t_[i + 1].ident()) {
      defs.push_back({std::string(t_[i + 1].text), i, python_block_end(i)});
    } else if ((lang_ == Lang::kJavaScript && t_[i].text == "function" && t_[i + 1].ident()) ||
               (lang_ == Lang::kGo && t_[i].text == "func")) {
      size_t name = i + 1;
      if (lang_ == Lang::kGo && tok_is(name, "(")) name = close_of(name) + 1;  // a method
      if (name >= t_.size() || !t_[name].ident()) continue;
      size_t brace = name;
      while (brace < t_.size() && t_[brace].text != "{") ++brace;
      if (brace < t_.size()) defs.push_back({std::string(t_[name].text), i, close_of(brace)});
    } else if (lang_ == Lang::kJavaScript && t_[i].ident() && tok_is(i + 1, "(") &&
               (i == 0 || (t_[i - 1].text != "." && t_[i - 1].text != "new" &&
                           t_[i - 1].text != "function"))) {
      // Class methods and arrow functions: name(...) { or name = (...) => {.
      size_t close = close_of(i + 1);
      if (tok_is(close + 1, "{") && t_[i].text != "if" && t_[i].text != "for" &&
          t_[i].text != "while" && t_[i].text != "switch" && t_[i].text != "catch")
        defs.push_back({std::string(t_[i].text), i, close_of(close + 1)});
    }
  }
  std::set<std::string> helpers;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& d : defs) {
      if (helpers.count(d.name)) continue;
      bool reaches = false;
      for (size_t c : llm_calls_) reaches = reaches || (c > d.b && c < d.e);
      for (size_t j = d.b + 2; j < d.e && !reaches; ++j)
        reaches = t_[j].ident() && tok_is(j + 1, "(") && helpers.count(std::string(t_[j].text));
      if (reaches) helpers.insert(d.name), changed = true;
    }
  }
  return helpers;
}

// The token after the end of the indented block that starts at token `i` (Python).
size_t CodeScan::python_block_end(size_t i) const {
  Pos wp = pos(i);
  int indent = static_cast<int>(f_.line_text(wp.line).find_first_not_of(" \t"));
  size_t e = i + 1;
  int last_line = wp.line;
  while (e < t_.size()) {
    Pos p = pos(e);
    if (p.line != last_line) {
      std::string_view lt = f_.line_text(p.line);
      int ind = static_cast<int>(lt.find_first_not_of(" \t"));
      // Only tokens that start a line decide the block's end.
      if (p.col == ind + 1 && ind <= indent) break;
      last_line = p.line;
    }
    ++e;
  }
  return e;
}

// A Python loop that repeats only when the LLM call fails: the call sits in a `try:` body whose
// own statements return or break after it, and an `except` follows. The model's output cannot
// make it go round again (aider's `simple_send_with_retries`), so it is a retry loop, not an
// agent loop; how often it retries is LLM002's concern.
bool CodeScan::python_retry_loop(size_t b, size_t e, const std::set<std::string>& helpers) const {
  auto indent_of = [&](size_t j) {
    return static_cast<int>(f_.line_text(pos(j).line).find_first_not_of(" \t"));
  };
  auto starts_line = [&](size_t j) { return pos(j).col == indent_of(j) + 1; };
  for (size_t t = b + 1; t + 2 < e; ++t) {
    if (t_[t].text != "try" || !tok_is(t + 1, ":") || !starts_line(t)) continue;
    size_t end = python_block_end(t);
    if (end >= e || t_[end].text != "except") continue;
    if (t + 2 >= end) continue;
    int body = indent_of(t + 2);
    size_t call = 0;
    for (size_t j = t + 2; j < end && !call; ++j) {
      bool direct = std::find(llm_calls_.begin(), llm_calls_.end(), j) != llm_calls_.end();
      bool helper = t_[j].ident() && tok_is(j + 1, "(") && helpers.count(std::string(t_[j].text));
      if ((direct || helper) && indent_of(j) == body) call = j;
    }
    if (!call) continue;
    for (size_t j = call + 1; j < end; ++j)
      if ((t_[j].text == "return" || t_[j].text == "break") && starts_line(j) &&
          indent_of(j) == body)
        return true;
  }
  return false;
}

void CodeScan::scan_loops() {
  if (llm_calls_.empty()) return;
  const std::set<std::string> helpers = llm_helpers();
  // A human in the loop reads a line: input(), prompt(), rl.question(), stdin.readline(),
  // scanner.Scan(). An attribute named `input` (a tool call's arguments) is not one.
  auto reads_human = [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      std::string_view x = t_[i].text;
      bool call = tok_is(i + 1, "(");
      bool method = i > 0 && t_[i - 1].text == ".";
      if (call && ((!method && (x == "input" || x == "prompt")) || x == "readline" || x == "Scan" ||
                   x == "ReadString" || x == "question"))
        return true;
    }
    return false;
  };
  auto bounded = [&](size_t b, size_t e) {
    bool exit = false, compare = false;
    for (size_t i = b; i < e; ++i) {
      std::string_view x = t_[i].text;
      if (x == "break" || x == "return" || x == "raise" || x == "throw") exit = true;
      if ((x == ">=" || x == ">" || x == "<" || x == "<=" || x == "==") &&
          bounding_compare(i, b, e))
        compare = true;
    }
    return exit && compare;
  };
  auto reach = [&](size_t b, size_t e, std::string& via) {
    for (size_t c : llm_calls_)
      if (c > b && c < e) return true;
    for (size_t j = b; j < e; ++j)
      if (t_[j].ident() && tok_is(j + 1, "(") && helpers.count(std::string(t_[j].text))) {
        via = std::string(t_[j].text);
        return true;
      }
    return false;
  };
  auto record = [&](size_t at, std::string what, size_t b, size_t e) {
    CodeLoop loop;
    loop.pos = pos(at);
    loop.what = std::move(what);
    loop.reaches_llm = reach(b, e, loop.via);
    const bool human = reads_human(b, e);
    loop.bounded = human || bounded(b, e);
    // A chat REPL: its direct calls have the user watching (LLM001's watched-local case).
    if (human)
      for (auto& c : out_.calls)
        if (c.open_token > b && c.open_token < e) c.in_repl = true;
    if (loop.reaches_llm) out_.loops.push_back(std::move(loop));
  };
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (lang_ == Lang::kPython && t_[i].text == "while" &&
        (t_[i + 1].text == "True" || t_[i + 1].text == "1") && tok_is(i + 2, ":")) {
      size_t end = python_block_end(i);
      if (python_retry_loop(i, end, helpers)) continue;
      record(i, "while True:", i, end);
      continue;
    }
    bool js_inf = lang_ == Lang::kJavaScript && t_[i].text == "while" && tok_is(i + 1, "(") &&
                  (tok_is(i + 2, "true") || tok_is(i + 2, "1")) && tok_is(i + 3, ")");
    bool js_for = lang_ == Lang::kJavaScript && t_[i].text == "for" && tok_is(i + 1, "(") &&
                  tok_is(i + 2, ";") && tok_is(i + 3, ";") && tok_is(i + 4, ")");
    bool go_for = lang_ == Lang::kGo && t_[i].text == "for" && tok_is(i + 1, "{");
    if (!(js_inf || js_for || go_for)) continue;
    size_t brace = i + 1;
    while (brace < t_.size() && t_[brace].text != "{") ++brace;
    if (brace >= t_.size()) continue;
    record(i, go_for ? "for {" : js_for ? "for (;;)" : "while (true)", brace, close_of(brace));
  }
}

// Whether a model-named binding reaches a request (LLM004 judges only those). A statement-level
// assignment (MODEL = "...", a class field, a Go const, const model = "...") is the file's
// configuration and is taken as read by its client. A parameter default or a keyword argument
// (def __init__(self, strong_model="..."), Router(strong_model="...")) reaches a request only
// where the file hands that name to a model field (model=strong_model, "model": self.model,
// Model: name) or the parentheses are an LLM call's own; an object or struct literal key
// ({ model: "..." }) only inside an LLM call's arguments or in an object that carries request
// fields (messages, prompt, input, max_tokens, ...). Elsewhere the name is a data key (an id
// looked up in a dataset, a table of model names) and the rule cannot see it sent: it abstains.
bool CodeScan::model_literal_reaches_request(size_t name_at, size_t sep_at) {
  if (!enclosing_found_) {
    enclosing_found_ = true;
    enclosing_.assign(t_.size(), kNoBracket);
    std::vector<size_t> stack;
    for (size_t i = 0; i < t_.size(); ++i) {
      enclosing_[i] = stack.empty() ? kNoBracket : stack.back();
      if (t_[i].kind != Tok::Kind::kPunct) continue;
      std::string_view x = t_[i].text;
      if (x == "(" || x == "[" || x == "{") stack.push_back(i);
      if ((x == ")" || x == "]" || x == "}") && !stack.empty()) stack.pop_back();
    }
    // Names handed to a model field anywhere in the file: model=x, model: self.x, "model": x.
    for (size_t i = 0; i + 2 < t_.size(); ++i) {
      std::string key = t_[i].string()  ? to_lower(t_[i].value)
                        : t_[i].ident() ? to_lower(t_[i].text)
                                        : std::string();
      if (key != "model" && key != "model_name" && key != "modelname" && key != "model_id" &&
          key != "modelid")
        continue;
      if (!(tok_is(i + 1, "=") || tok_is(i + 1, ":") || tok_is(i + 1, ":="))) continue;
      size_t v = i + 2;
      if (v + 2 < t_.size() && t_[v].ident() && tok_is(v + 1, ".")) v += 2;  // self.x, c.model
      if (v >= t_.size() || !t_[v].ident()) continue;
      if (tok_is(v + 1, ".") || tok_is(v + 1, "(") || tok_is(v + 1, "[")) continue;
      sent_names_.insert(std::string(t_[v].text));
    }
    // One step back through plain assignments: model = strong if ... else fallback_model hands
    // fallback_model to the field too (twice, for a chain of two).
    for (int round = 0; round < 2; ++round)
      for (size_t i = 0; i + 2 < t_.size(); ++i) {
        if (!t_[i].ident() || !sent_names_.count(std::string(t_[i].text))) continue;
        if (!(tok_is(i + 1, "=") || tok_is(i + 1, ":="))) continue;
        int line = pos(i).line;
        for (size_t j = i + 2; j < t_.size() && pos(j).line == line; ++j)
          if (t_[j].ident() && !tok_is(j + 1, "(")) sent_names_.insert(std::string(t_[j].text));
      }
  }
  size_t open = enclosing_[name_at];
  if (open == kNoBracket) return true;
  bool in_llm_call = false;
  for (size_t c : llm_calls_) in_llm_call = in_llm_call || (open >= c && open <= close_of(c));
  if (t_[open].text == "(") {
    // Go's const ( ... ) and var ( ... ) blocks are statements.
    if (open > 0 && (t_[open - 1].text == "const" || t_[open - 1].text == "var")) return true;
    if (in_llm_call) return true;
    return sent_names_.count(std::string(t_[name_at].text)) > 0;
  }
  if (t_[open].text == "{" && tok_is(sep_at, ":")) {
    if (in_llm_call) return true;
    size_t close = close_of(open);
    for (size_t i = open + 1; i + 1 < close; ++i) {
      if (enclosing_[i] != open || !tok_is(i + 1, ":")) continue;
      std::string key = t_[i].string() ? to_lower(t_[i].value) : to_lower(t_[i].text);
      for (std::string_view k :
           {"messages", "prompt", "input", "contents", "system", "tools", "max_tokens", "maxtokens",
            "max_completion_tokens", "max_output_tokens", "temperature", "stream"})
        if (key == k) return true;
    }
    return false;
  }
  return true;  // a statement inside a block (a class body, a function): the file's setting
}

void CodeScan::check_model_literals() {
  // MODEL = "claude-3-5-sonnet-latest" and friends, outside call arguments.
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (!t_[i].ident()) continue;
    std::string l = to_lower(t_[i].text);
    if (!contains(l, "model")) continue;
    size_t v = i + 1;
    if (lang_ == Lang::kPython && tok_is(v, ":")) v += 2;
    if (!(tok_is(v, "=") || tok_is(v, ":=") || tok_is(v, ":"))) continue;
    if (v + 1 >= t_.size() || !t_[v + 1].string()) continue;
    const Tok& s = t_[v + 1];
    std::string name = s.value;
    if (size_t slash = name.find_last_of('/'); slash != std::string::npos)
      name = name.substr(slash + 1);
    std::string n = to_lower(name);
    bool model_like = false;
    for (std::string_view p :
         {"gpt-", "chatgpt-", "claude-", "gemini-", "o1", "o3", "o4", "mistral-", "codestral-",
          "pixtral-", "ministral-", "command-", "grok-", "deepseek-"})
      model_like = model_like || starts_with(n, p);
    if (!model_like) continue;
    if (!model_literal_reaches_request(i, v)) continue;
    out_.model_literals.emplace_back(s.value, pos(v + 1));
  }
}

}  // namespace llmctl::audit::detail
