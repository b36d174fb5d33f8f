// The four interaction scripts `llmctl ask` runs (and MCP serves as prompts): deploy our LLM
// app, optimize our AI costs, monitor our AI system, scale our GPU infrastructure. A script
// names the values it needs (slots), runs tools from the registry in order, and answers with
// numbers, "because" lines, what to apply and what to watch. Tools a script uses that this build
// does not have yet (simulate, costs, monitor) are reported as not yet available — never faked —
// and are called as soon as they are registered (kPendingTools below: one line each).
//
// Hand-offs are answers too: an architecture decision goes to an AI solution architect with what
// llmctl knows and what it needs back (the plan spec); reliability policy goes to an SRE as a
// collaboration note with llmctl's numbers; general CI/CD is declined with a pointer to a devops
// specialist.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "agent/ask/intent.h"
#include "agent/tools/tool.h"

namespace llmctl::agent::ask {

struct SlotSpec {
  std::string name;      // "model"
  std::string flag;      // "--model"
  std::string question;  // what to ask a person
  std::string example;   // "llama-3.1-70b"
};

struct ScriptSpec {
  std::string id;                     // deploy | optimize-costs | monitor | scale
  std::string title;                  // "Deploy our LLM app"
  std::string description;            // what it does, in one sentence
  std::vector<std::string> examples;  // requests it recognises
  std::vector<std::string> tools;     // tools it runs, in order
  std::vector<std::string> slots;     // slots it can use (required ones are decided per request)
};

const std::vector<ScriptSpec>& scripts();
const ScriptSpec* find_script(std::string_view id);
const SlotSpec* find_slot(std::string_view name);
const std::vector<SlotSpec>& slot_specs();

struct MissingSlot {
  std::string slot;
  std::string why;                       // why this request needs it
  std::vector<std::string> suggestions;  // catalog ids that fit, when known
};

// Slots still needed before `script` can run with `slots` (empty: ready).
std::vector<MissingSlot> missing_slots(
    const std::string& script, const Slots& slots, const Knowledge& knowledge,
    const std::map<std::string, std::vector<std::string>>& ambiguous = {});

struct Step {
  std::string tool;
  std::string status;  // ok | error | not-available
  boost::json::object arguments;
  std::string summary;  // one line
};

struct Answer {
  std::string request;
  std::string script;  // empty: not recognised, or a hand-off
  Slots slots;
  std::vector<MissingSlot> missing;
  std::vector<Step> steps;
  std::string headline;
  boost::json::object numbers;
  std::vector<std::string> because;
  std::vector<std::string> apply;  // commands to run, in order
  std::vector<std::string> watch;  // what to keep an eye on after
  std::vector<std::string> notes;  // limits of this answer (tools not yet available, assumptions)
  boost::json::value spec = nullptr;     // the plan spec built from the request, when any
  boost::json::value handoff = nullptr;  // a structured hand-off, when the request is one
  std::vector<ScriptScore> suggestions;  // closest scripts, when not recognised
  bool failed = false;                   // a tool failed: the answer is incomplete
};

// Runs a recognised script whose slots are complete. Tools run through `tools` with `env` (the
// deploy step is always a dry run here).
Answer run_script(const std::string& script, const Slots& slots, const Registry& tools,
                  const ToolEnv& env, const Knowledge& knowledge);

// The answer for a hand-off request (Recognition::handoff set); `tools` adds llmctl's numbers
// where the request states enough (an SRE note gets the plan's latency at peak).
Answer handoff_answer(const std::string& request, const Recognition& r, const Registry& tools,
                      const ToolEnv& env, const Knowledge& knowledge);

// The answer for a request no script recognised: the closest scripts, with example requests.
Answer unrecognised_answer(const std::string& request, const Recognition& r);

boost::json::value to_json(const Answer& answer);
std::string to_text(const Answer& answer);

// The MCP prompt text of a script: the request and the tool calls that answer it, with the
// arguments filled from `args` (slot name -> value).
std::string prompt_text(const ScriptSpec& script, const std::map<std::string, std::string>& args);

}  // namespace llmctl::agent::ask
