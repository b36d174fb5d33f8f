// The rule table. Sources cite the research notes (shared/research/agents-and-deploy.md §4.2 and
// gateways.md) and the upstream files they quote, so `llmctl audit --explain ID` can be checked.
#include "audit/rules.h"

#include "common/strings.h"

namespace llmctl::audit {

namespace {

using S = Severity;

const std::vector<RuleInfo> kRules = {
    // ---- LLM client code ----
    {"LLM001", "code", S::kWarning, "LLM call without an explicit timeout",
     "An OpenAI/Anthropic SDK call (chat.completions.create, responses.create, messages.create, "
     "Go Chat.Completions.New / Messages.New), a LiteLLM completion() or a raw HTTP call to an "
     "LLM API (requests.post, fetch, axios.post, net/http) sets no timeout: not on the call, not "
     "through with_options(), not on the client the call is made on (resolved within the file), "
     "not module-wide (openai.timeout, litellm.request_timeout). Calls on clients whose "
     "construction is not visible in the file are not judged. httpx and aiohttp have default "
     "timeouts and are not flagged.",
     "The OpenAI and Anthropic SDKs time out after 10 minutes by default "
     "(openai/openai-python:README.md and anthropics/anthropic-sdk-python:README.md, "
     "\"Timeouts\"); LiteLLM's request_timeout defaults to 6000 s (BerriAI/litellm:"
     "litellm/__init__.py); requests, fetch and Go's default http.Client never time out. A "
     "stalled upstream then holds a worker, a connection and the user for minutes. Research: "
     "shared/research/agents-and-deploy.md §4.2 item 1 (also the MCP lifecycle spec: "
     "\"Implementations SHOULD establish timeouts for all sent requests\").",
     "Pass timeout= (Python), { timeout } or an AbortSignal (JS), option.WithRequestTimeout or a "
     "context deadline (Go), sized to the model's p99 latency.",
     "client = OpenAI()\nclient.chat.completions.create(model=\"gpt-4o-mini\", messages=m)"},
    {"LLM002", "code", S::kWarning, "Retries disabled, or raw HTTP to an LLM API without backoff",
     "max_retries=0 / maxRetries: 0 / option.WithMaxRetries(0) on a client or call (or "
     "num_retries=0 for LiteLLM) in a file with no other retry mechanism (tenacity, backoff, "
     "p-retry, a retry/attempt loop); or a raw HTTP POST to a known LLM API host in a file "
     "without any retry/backoff code.",
     "The SDKs retry connection errors, 408, 409, 429 and 5xx twice with exponential backoff "
     "by default (openai-python and anthropic-sdk-python READMEs, \"Retries\"); rate limits "
     "and overloaded errors are routine at LLM providers, so a request without retries fails "
     "on the first 429. Turning retries off is right only behind a gateway that retries "
     "(LiteLLM's router is meant to be the only retry loop: shared/research/gateways.md §1.1). "
     "Research: agents-and-deploy.md §4.2 item 2.",
     "Keep the SDK's default retries, or wrap raw calls with exponential backoff that honours "
     "Retry-After.",
     "client = Anthropic(max_retries=0)"},
    {"LLM003", "code", S::kWarning, "LLM call without an output cap",
     "A chat/messages/responses call (SDK or a visible raw JSON body) without max_tokens, "
     "max_completion_tokens, max_output_tokens (Go: MaxTokens, MaxCompletionTokens, "
     "MaxOutputTokens). Arguments passed through **kwargs, ...spread or an unresolvable "
     "variable are not judged; a dict/object assigned in the same file is resolved.",
     "Without a cap one degenerate generation runs to the model's output limit (OWASP LLM10 "
     "\"Unbounded Consumption\"); agent-doctor's CFG-001 \"max_tokens not set\" "
     "(abdulwasea89/agent-doctor:packages/agent-doctor/src/rules/config/cfg-001.ts); "
     "Anthropic's Messages API requires max_tokens. Research: agents-and-deploy.md §4.2 item 4.",
     "Pass max_tokens (max_completion_tokens for OpenAI reasoning models, max_output_tokens for "
     "the Responses API) sized to the longest answer you expect.",
     "client.messages.create(model=MODEL, messages=m)"},
    {"LLM004", "code", S::kWarning, "Floating model alias in production code",
     "A model argument, or a variable named like *model* assigned a model name, that the "
     "provider repoints silently: any name ending in -latest (claude-3-5-sonnet-latest, "
     "gemini-1.5-pro-latest, mistral-large-latest), chatgpt-* (chatgpt-4o-latest), "
     "gpt-4-turbo-preview, gpt-4-vision-preview, gpt-3.5-turbo, and Go SDK constants ending in "
     "Latest. Undated names that providers move only with notice (gpt-4o, claude-sonnet-4-5) "
     "are deliberately not flagged. Tests, examples and docs are skipped.",
     "Aliases are repointed to new snapshots, so behaviour, cost and eval results change with "
     "no deploy; OpenAI staff recommend pinning dated snapshots and chatgpt-4o-latest is "
     "described as not suited for production. Research: agents-and-deploy.md §4.2 item 5 "
     "(community.openai.com thread 1246138; openrouter.ai/openai/chatgpt-4o-latest).",
     "Pin a dated snapshot (claude-3-5-sonnet-20241022, gpt-4o-2024-08-06) and move it on "
     "purpose after evals.",
     "model=\"claude-3-5-sonnet-latest\""},
    {"LLM005", "code", S::kNote, "Every LLM call goes to one provider with no fallback",
     "Project-level: every LLM call site found in production code reaches the same provider, "
     "no client sets a base_url/baseURL (which could point at a gateway), no OPENAI_BASE_URL / "
     "ANTHROPIC_BASE_URL is read, no LiteLLM (a multi-provider library) is used and no LiteLLM "
     "or llmctl gateway config is in the audited tree. Reported once, at the first call site.",
     "A single provider is a single point of failure for outages, rate limits and deprecations; "
     "gateways (LiteLLM router fallbacks, llmctl's model groups) and the multi-backend design of "
     "K8sGPT/HolmesGPT exist for this. Research: agents-and-deploy.md §4.2 item 6, gateways.md "
     "§1.1 (fallbacks, cooldowns).",
     "Route through a gateway (llmctl gateway, LiteLLM) with a fallback model group, or add a "
     "second provider with a fallback path.",
     "client = OpenAI()  # and nothing else anywhere"},
    {"LLM006", "code", S::kError, "Hard-coded API key",
     "A provider key in source code or comments: sk-... (OpenAI, incl. sk-proj-), sk-ant-... "
     "(Anthropic), AIza... (Google), hf_... (Hugging Face), gsk_... (Groq), xai-... (xAI). Keys "
     "must be long, mix upper/lower case and digits, and not be placeholders (sk-xxxx, "
     "sk-your-key-here). Applies to tests and examples too.",
     "A committed key is leaked to everyone with the repository and its history; kube-linter's "
     "env-var-secret and K8sGPT's plain-text key show the same class of problem. Research: "
     "agents-and-deploy.md §4.2 item 11.",
     "Revoke the key, then read it from the environment or a secret manager (the SDKs read "
     "OPENAI_API_KEY / ANTHROPIC_API_KEY themselves).",
     "client = OpenAI(api_key=\"sk-proj-...\")"},
    {"LLM007", "code", S::kWarning, "Dynamic content before a long static prompt",
     "An f-string, template literal or str.format() template of at least 2,048 characters whose "
     "first 512 characters interpolate a per-call value (datetime.now(), Date.now(), uuid, "
     "request/session/user ids, a variable assigned from those) before at least 2,048 "
     "characters of static text; also f\"{now}...\" + LONG_PROMPT.",
     "Provider prompt caches match on an exact prefix; a timestamp or id at the top of the "
     "system prompt changes the prefix on every call, so the long static part is never served "
     "from cache (full input price and latency). MCP's 2026-07-28 changelog asks for "
     "deterministic tools/list order for the same reason. Research: agents-and-deploy.md §4.2 "
     "item 8.",
     "Put the static instructions first and the dynamic values at the end of the prompt or in "
     "the user message.",
     "system = f\"Today is {datetime.now()}. {FIVE_PAGES_OF_RULES}\""},
    {"LLM008", "code", S::kWarning, "Agent loop without an iteration or token bound",
     "A `while True:` / `while (true)` / `for (;;)` / Go `for {` loop whose body makes an LLM "
     "call and has no exit (break/return/raise) guarded by a comparison on a step, turn, "
     "iteration, attempt, budget or token counter. Loops that read human input (input(), "
     "readline, Scan) are chat REPLs, not agent loops, and are not flagged.",
     "A model that keeps requesting tools loops and bills forever; kubectl-ai caps agents with "
     "max-iterations: 20 (GoogleCloudPlatform/kubectl-ai:README.md); OWASP LLM10. Research: "
     "agents-and-deploy.md §4.2 item 9.",
     "Loop over range(MAX_STEPS) or break when a step/token budget is exhausted (and report "
     "it).",
     "while True:\n    r = client.messages.create(...)\n    if r.stop_reason != \"tool_use\": "
     "break"},
    {"LLM009", "code", S::kWarning, "Long static system prompt to Anthropic without caching",
     "An Anthropic messages.create/stream (Python, JS, Go) whose system argument is static text "
     "of 4,096+ characters (~1,024 tokens: a literal, or a variable assigned a literal in the "
     "same file) while no cache_control appears anywhere in the call.",
     "Anthropic caches only prefixes marked with cache_control (minimum 1,024 tokens on most "
     "models); cache reads cost 10% of the input price, so a long system prompt sent without "
     "it is paid in full on every call. Research: agents-and-deploy.md §4.2 item 7 "
     "(docs.orq.ai prompt-caching summary of Anthropic's docs).",
     "system=[{\"type\": \"text\", \"text\": PROMPT, \"cache_control\": {\"type\": "
     "\"ephemeral\"}}]",
     "client.messages.create(system=LONG_PROMPT, ...)"},
    // ---- Serving config ----
    {"K8S001", "serving", S::kError, "GPU container without a GPU limit, or requests != limits",
     "An inference-engine container (vLLM, SGLang, TGI, TensorRT-LLM, llama.cpp with a GPU "
     "image; detected from the image and command line) or any container requesting GPUs, in a "
     "pod template, KServe predictor or compose service, without an nvidia.com/gpu (amd.com/gpu, "
     "MIG, shared) limit, or with requests different from limits. Compose services need a GPU "
     "device reservation.",
     "Kubernetes schedules extended resources from limits; requests, if given, must equal them "
     "(kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus). Without a limit the pod lands on a "
     "node without a GPU or shares one unaccounted. Research: agents-and-deploy.md §2.1, §4.2 "
     "item 14.",
     "Set resources.limits[nvidia.com/gpu] to the GPUs the engine uses (requests equal or "
     "omitted).",
     "resources: {requests: {nvidia.com/gpu: 1}}"},
    {"K8S002", "serving", S::kError, "Multi-GPU engine without memory-backed /dev/shm",
     "Tensor- or pipeline-parallel size > 1 (TGI: all GPUs by default) and no emptyDir "
     "{medium: Memory} mounted at /dev/shm (nor hostIPC); Helm values without shmSize; compose "
     "without ipc: host or shm_size.",
     "vLLM's Kubernetes guide mounts a Memory emptyDir at /dev/shm: \"vLLM needs to access the "
     "host's shared memory for tensor parallel inference\" (vllm-project/vllm:docs/deployment/"
     "k8s.md); Docker needs --ipc=host or --shm-size. The container default of 64 MiB makes "
     "NCCL fail or hang. Research: agents-and-deploy.md §2.1, §4.2 item 15.",
     "Mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm.",
     "args: [--tensor-parallel-size, \"4\"]  # and no /dev/shm volume"},
    {"K8S003", "serving", S::kWarning, "No startup budget for the model load",
     "An engine container in a Kubernetes workload with no startupProbe, or with one whose "
     "budget (initialDelaySeconds + failureThreshold x periodSeconds) is shorter than the "
     "estimated load time: 60 s engine start + the model's weights (catalog model from the "
     "args, in its dtype) at 1 GiB/s; 120 s when the model is not in the catalog. KServe and the "
     "production-stack chart own their probes (a values override is still checked).",
     "Loading weights takes minutes; vLLM's guide lists containers killed during load "
     "(\"KeyboardInterrupt: terminated\") when startup/readiness thresholds are too low "
     "(vllm-project/vllm:docs/deployment/k8s.md). The Gateway API Inference Extension's vLLM "
     "deployment uses a startupProbe with failureThreshold 600 x periodSeconds 1 \"until the "
     "model is loaded\" (kubernetes-sigs/gateway-api-inference-extension:config/manifests/vllm/"
     "gpu-deployment.yaml). Research: agents-and-deploy.md §2.1, §4.2 item 16.",
     "Add a startupProbe on the health path with failureThreshold x periodSeconds above the "
     "load time (with margin).",
     "livenessProbe: {httpGet: {path: /health, port: 8000}}  # no startupProbe"},
    {"K8S004", "serving", S::kWarning, "Aggressive liveness probe",
     "On an engine container: a livenessProbe that restarts after less than 60 s of failures "
     "(failureThreshold x periodSeconds, defaults 3 x 10 s); or, without a startupProbe, one "
     "that fires before the estimated load time (initialDelaySeconds too small); or a liveness "
     "probe identical to the readiness probe (same handler and timings).",
     "A liveness restart reloads the whole model (minutes of capacity lost), so the GIE "
     "reference deployment biases liveness towards \"definitely unhealthy\" and lets readiness "
     "take pods out of rotation (gateway-api-inference-extension gpu-deployment.yaml comments); "
     "kube-score checks identical probes (zegl/kube-score:README.md). Research: "
     "agents-and-deploy.md §4.2 item 17.",
     "Give liveness at least 60 s of failures, more tolerance than readiness, and a startupProbe "
     "for the load.",
     "livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10}"},
    {"K8S005", "serving", S::kWarning, "Engine image :latest or untagged",
     "An inference-engine image (pod, KServe, Helm repository/tag, compose, SkyPilot image_id) "
     "that is untagged or tagged latest/main/nightly and not pinned by digest. A registry "
     "port (localhost:5000/vllm) is not mistaken for a tag.",
     "Engine releases change flags, defaults and metric names (vLLM renamed and removed "
     "metrics across 0.9-0.13); :latest makes every pull a different engine. kube-linter's "
     "latest-tag check; the GIE reference pins vllm/vllm-openai:v0.11.0. Research: "
     "agents-and-deploy.md §4.2 item 18.",
     "Pin a release tag or a digest (the catalog's engine image is a tested choice).",
     "image: vllm/vllm-openai:latest"},
    {"K8S006", "serving", S::kError, "Token or API key as a literal in config",
     "An env var named like a secret (TOKEN, SECRET, PASSWORD, API_KEY, ACCESS_KEY, ... as a "
     "name segment: TOKENIZERS_PARALLELISM and MAX_TOKENS do not count) with a literal value "
     "that looks like a secret, any env value shaped like a provider key, a literal --api-key "
     "on the engine command line, production-stack hf_token / vllmApiKey as strings, SkyPilot "
     "envs values; in the other containers and compose services (a gateway, an app), env values "
     "shaped like provider keys or LLM credentials by name (OPENAI_API_KEY, HF_TOKEN, ...). "
     "Placeholders (<your-token>, ${VAR}, changeme) and secretKeyRef are fine.",
     "Literals end up in the manifest, the release history and every copy of the file; "
     "kube-linter's env-var-secret; vLLM's guide uses secretKeyRef for HF tokens; "
     "production-stack's hf_token string form and SkyPilot's llm/vllm/service.yaml invite "
     "literals. Research: agents-and-deploy.md §4.2 item 19.",
     "Reference a Secret (valueFrom.secretKeyRef, hf_token: {secretName, secretKey}, sky "
     "--secret).",
     "env: [{name: HF_TOKEN, value: hf_AbC...}]"},
    {"K8S007", "serving", S::kWarning, "No volume for model weights",
     "An engine container in a Kubernetes workload that mounts no data volume (PVC, hostPath, "
     "emptyDir on disk, NFS, CSI, ephemeral; /dev/shm and config volumes do not count); Helm "
     "values without pvcStorage; an engine compose service without volumes.",
     "Without a cache every container restart downloads the weights again (tens to hundreds of "
     "GiB), multiplying cold starts and Hub traffic; vLLM's guide mounts a PVC at "
     "/root/.cache/huggingface. Research: agents-and-deploy.md §2.1, §4.2 item 20.",
     "Mount a PVC (or a node-local cache) at the Hugging Face cache or the model path.",
     "containers: [{image: vllm/vllm-openai:v0.11.0, args: [--model, ...]}]  # no volumeMounts"},
    {"K8S008", "serving", S::kWarning, "--max-model-len unset",
     "The engine's context-length flag is absent (vLLM --max-model-len, SGLang "
     "--context-length, TGI --max-total-tokens, TensorRT-LLM --max_seq_len, llama.cpp "
     "--ctx-size/-c; production-stack vllmConfig.maxModelLen), and no engine config file is "
     "passed.",
     "Unset, the engine takes the model's full context (128k for Llama 3.1) and sizes the KV "
     "cache for it, or refuses to start when one sequence does not fit (vLLM engine args docs: "
     "default from the model config). Research: agents-and-deploy.md §2.1, §4.2 item 21.",
     "Set the flag to the longest prompt + output you serve.",
     "args: [--model, meta-llama/Llama-3.1-8B-Instruct]"},
    {"K8S009", "serving", S::kError, "Parallelism does not match the GPUs requested",
     "tensor-parallel x pipeline-parallel x data-parallel differs from the GPUs the container "
     "(or SkyPilot task, compose service, Helm modelSpec) requests; multi-node setups (Ray, "
     "LeaderWorkerSet, SkyPilot num_nodes) compare against the total. TGI shards over all "
     "visible GPUs by default and llama.cpp is not checked.",
     "Extra GPUs sit idle at full price; too few make the engine fail to start. llm-d derives "
     "both from one parallelism setting (llm-d/llm-d:guides/inference-scheduling/"
     "ms-inference-scheduling/values.yaml). Research: agents-and-deploy.md §4.2 item 22.",
     "Make the parallel sizes multiply to the GPUs requested.",
     "--tensor-parallel-size 4 with nvidia.com/gpu: 8"},
    {"K8S010", "serving", S::kError, "The same engine flag twice with different values",
     "A flag (or its alias: -tp / --tensor-parallel-size, prefixes vLLM's argparse accepts) "
     "given twice with different values on one command line; production-stack vllmConfig "
     "fields are rendered before extraArgs and compared with them.",
     "The last value wins silently, so what the file says is not what runs; production-stack's "
     "own chart defaults set gpuMemoryUtilization: 0.95 and extraArgs --gpu-memory-utilization "
     "0.4 (vllm-project/production-stack:helm/values.yaml). Research: agents-and-deploy.md "
     "§2.3, §4.2 item 23.",
     "Keep one setting.",
     "gpuMemoryUtilization: 0.95 + extraArgs: [--gpu-memory-utilization, \"0.4\"]"},
    {"K8S011", "serving", S::kError, "--trust-remote-code without a pinned revision",
     "--trust-remote-code (TGI TRUST_REMOTE_CODE) on a model from a hub without --revision set "
     "to a commit hash (a branch or tag like main does not pin). Local model paths are fine.",
     "Remote code executes in the serving pod; without a pinned commit whatever is pushed to "
     "the model repository next runs with the pod's credentials. KServe's HF storage pins "
     "hf://repo/model:hash; vLLM has --revision/--code-revision. Research: "
     "agents-and-deploy.md §4.2 item 25.",
     "Pin --revision (and --code-revision) to a reviewed commit hash.",
     "args: [--model, some/model, --trust-remote-code]"},
    {"K8S012", "serving", S::kWarning, "No preStop drain and a short grace period",
     "An engine container without lifecycle.preStop in a pod whose "
     "terminationGracePeriodSeconds is under 60 s (the default is 30).",
     "vLLM stops accepting connections on SIGTERM; without a preStop sleep the load balancer "
     "still sends requests, and a short grace period kills in-flight generations. The GIE "
     "reference uses preStop sleep 30 s and terminationGracePeriodSeconds 130 derived from the "
     "worst-case drain (gateway-api-inference-extension gpu-deployment.yaml). Research: "
     "agents-and-deploy.md §4.2 item 26.",
     "Add lifecycle.preStop.sleep.seconds: 30 and a grace period above the longest generation "
     "+ 30 s.",
     "terminationGracePeriodSeconds: 30  # no preStop"},
    {"K8S013", "serving", S::kError, "Service named like the engine with service links on",
     "Project-level: a Service named `vllm` and, in the same namespace (or with no namespace "
     "given), a vLLM pod without enableServiceLinks: false.",
     "Kubernetes injects docker-link env vars for every Service; a Service named vllm yields "
     "VLLM_PORT=tcp://<ip>:<port>, which vLLM reads as its own VLLM_PORT setting and crashes "
     "(CrashLoopBackOff), as the GIE deployment's comment explains. Research: "
     "agents-and-deploy.md §2.1, §4.2 item 27.",
     "Set enableServiceLinks: false in the pod spec (or rename the Service).",
     "kind: Service\nmetadata: {name: vllm}"},
    {"K8S014", "serving", S::kWarning, "CPU/memory autoscaling of GPU inference",
     "A HorizontalPodAutoscaler (Resource/ContainerResource cpu or memory, or v1 "
     "targetCPUUtilizationPercentage) or a KEDA cpu/memory trigger whose target is a GPU "
     "engine workload in the audited files (or, when the target is not in them, a name like "
     "vllm/sglang/tgi/llama/inference).",
     "A GPU-bound engine queues requests at flat CPU, so CPU utilisation never triggers "
     "scale-out; production-stack scales on vllm:num_requests_waiting with KEDA or "
     "prometheus-adapter (tutorials/assets/values-20-keda.yaml, hpa-10.yaml); vLLM's metrics "
     "design discusses the saturation signal. Research: agents-and-deploy.md §2.6, §4.2 item "
     "28.",
     "Scale on queue depth (vllm:num_requests_waiting) or latency via KEDA/prometheus-adapter.",
     "metrics: [{type: Resource, resource: {name: cpu}}]"},
    {"K8S015", "serving", S::kWarning, "KEDA trigger using deprecated metricName",
     "A KEDA trigger (ScaledObject or production-stack keda.triggers) with metadata.metricName.",
     "metricName was deprecated in KEDA 2.10 and removed in 2.12 (keda.sh/docs/2.10/scalers/"
     "prometheus, keda.sh/docs/2.13/scalers/prometheus); newer KEDA rejects the object. "
     "production-stack examples still use it. Research: agents-and-deploy.md §2.6, §4.2 item "
     "29.",
     "Delete metricName (KEDA names the metric itself).",
     "triggers: [{type: prometheus, metadata: {metricName: vllm_waiting, ...}}]"},
    {"K8S016", "serving", S::kWarning, "Scale to zero without a cold-start budget",
     "A ScaledObject with minReplicaCount 0 (KEDA's default when unset) or idleReplicaCount 0, "
     "a KServe predictor with minReplicas 0, or production-stack keda with min/idle 0, without "
     "the annotation llmctl.io/cold-start-budget acknowledging the cold start.",
     "Waking from zero costs a node, an image pull and a multi-minute model load; SkyServe's "
     "default readiness initial delay is 1200 s for this reason (skypilot-org/skypilot:docs/"
     "source/serving/service-yaml-spec.rst). Research: agents-and-deploy.md §4.2 item 30.",
     "Keep one warm replica, or annotate llmctl.io/cold-start-budget: \"<seconds>\" after "
     "measuring.",
     "spec: {minReplicaCount: 0}"},
    {"K8S017", "serving", S::kWarning, "Single serving replica without a PodDisruptionBudget",
     "Project-level: a GPU engine Deployment/StatefulSet with replicas <= 1 (default 1) that no "
     "PodDisruptionBudget in the audited files selects and no HPA/KEDA keeps at 2 or more.",
     "A drain or rollout takes the only replica down for the whole model reload; kube-score's "
     "PDB check and kube-linter's no-anti-affinity flag the same. Research: "
     "agents-and-deploy.md §4.2 item 31.",
     "Run two replicas with a PodDisruptionBudget (maxUnavailable: 1), or accept the downtime "
     "explicitly.",
     "replicas: 1"},
    {"K8S018", "serving", S::kError, "GPU memory fraction >= 0.95 on a shared GPU",
     "--gpu-memory-utilization / --mem-fraction-static / --cuda-memory-fraction >= 0.95 on a "
     "time-sliced or MPS GPU (nvidia.com/gpu.shared resource, node labels "
     "nvidia.com/gpu.sharing-strategy, nvidia.com/gpu.replicas > 1, a device-plugin config "
     "naming sharing/time-slicing, Helm requestGPUType containing 'shared').",
     "Time-slicing has no memory isolation (NVIDIA GPU operator gpu-sharing docs); an engine "
     "that takes 95% of the memory leaves the other tenants, or its own restart, out of memory. "
     "vLLM's default is 0.9. Research: agents-and-deploy.md §2.8, §4.2 items 24 and 32.",
     "Use MIG or a dedicated GPU, or size the fraction for all tenants.",
     "--gpu-memory-utilization 0.95 on nvidia.com/gpu.shared"},
    // ---- Capacity ----
    {"CAP001", "capacity", S::kError, "The model cannot fit the GPUs requested",
     "The model (from the args, via the catalog) in its dtype, split over tensor x pipeline "
     "parallel, needs more memory per GPU than the engine may use on the GPU type (from node "
     "selectors/affinity, instance types, GKE accelerators, SkyPilot accelerators, Helm "
     "requestGPUType) - computed by the perf model. With no GPU type known it fires only when "
     "the weights exceed the largest GPU in the catalog.",
     "The engine fails at start-up after the image pull and download, the most expensive way "
     "to learn it. Numbers from llmctl's perf model (docs/PERF.md) and the catalog's GPU and "
     "model entries (data/*.yaml, each with its source).",
     "Request more GPUs (raise parallelism), a larger GPU, or a quantised checkpoint.",
     "Llama-3.1-70B bf16 on one A100-80GB"},
    {"CAP002", "capacity", S::kWarning, "KV cache cannot hold what the flags promise",
     "Error: the KV cache (perf model) holds fewer tokens than one sequence of max-model-len "
     "(or the model's full context when unset), so the engine refuses to start. Warning: "
     "max-num-seqs x max-model-len (both set explicitly) exceeds the KV capacity, so the "
     "promised concurrency holds only for short sequences. Files generated by `llmctl deploy` "
     "get the error check only: their limits were sized by the planner for the spec's lengths.",
     "vLLM checks at start-up that one max-length sequence fits the KV cache; beyond that it "
     "preempts. Numbers from llmctl's perf model and the catalog.",
     "Lower --max-model-len / --max-num-seqs, or add KV memory (GPUs, fp8 KV cache).",
     "Llama-3.1-8B on one L4 with --max-model-len unset (131,072)"},
    {"CAP003", "capacity", S::kError, "Tensor-parallel size does not divide the attention heads",
     "The tensor-parallel size does not divide the catalog model's attention heads.",
     "Engines shard attention heads evenly across TP ranks; vLLM refuses such a configuration "
     "at start-up. The head count comes from the model's config.json (catalog source).",
     "Use a TP size that divides the heads; use pipeline parallelism for the rest.",
     "--tensor-parallel-size 3 for a 64-head model"},
    {"CAP004", "capacity", S::kNote, "GPU type oversized for the model",
     "The weights take under 25% of the requested GPU's memory and a cheaper catalog GPU (same "
     "vendor, less memory, lower on-demand price) fits the same configuration with room for at "
     "least 8 sequences of max-model-len in its KV cache (perf model). Files generated by "
     "`llmctl deploy` (annotation llmctl.io/plan-option or its header) were sized for the load "
     "by the planner and are not second-guessed.",
     "Paying for memory and bandwidth a small model at modest load does not use; the catalog's "
     "GPU prices carry their source and date. Check the load with `llmctl plan` before moving.",
     "Consider the cheaper GPU unless the load needs the bigger one's bandwidth or KV room.",
     "Llama-3.1-8B on one H100 with --max-model-len 8192"},
    // ---- Observability ----
    {"OBS001", "observability", S::kWarning,
     "Alert, dashboard or autoscaler on a deprecated "
     "engine metric",
     "PromQL in Prometheus rules, PrometheusRule objects, Grafana dashboards (targets and "
     "variables), KEDA triggers or HPA external metrics uses a metric that the catalog lists "
     "in an engine metric's `replaces` (e.g. vllm:gpu_cache_usage_perc, "
     "vllm:time_per_output_token_seconds), with or without _bucket/_sum/_count and in the "
     "underscored form prometheus-adapter produces.",
     "Deprecated metrics are hidden and then removed (vLLM: deprecated 0.9/0.11, hidden in the "
     "next minor, removed after), so the alert never fires and the autoscaler sees nothing "
     "(vllm-project/vllm:vllm/v1/metrics/loggers.py). Research: agents-and-deploy.md §3.1, "
     "§4.2 item 33.",
     "Query the replacement metric the message names.", "expr: vllm:gpu_cache_usage_perc > 0.9"},
    {"OBS002", "observability", S::kWarning, "rate()/increase() over a non-counter name",
     "rate/irate/increase over a series named without _total/_count/_sum/_bucket, unless the "
     "catalog knows it as a counter (tgi_request_count). The message says whether the counter "
     "exists with _total (the series does not exist), the name is a histogram base name, or a "
     "gauge.",
     "Prometheus client libraries expose counters with a _total suffix, so rate(x[5m]) on the "
     "base name is always empty; vLLM's own example rule had rate(vllm:num_preemptions[5m]) "
     "(vllm-project/vllm:examples/online_serving/prometheus_grafana/k8s-monitoring/"
     "prometheusrule.yaml; docs/design/metrics.md). Research: agents-and-deploy.md §3.1, §4.2 "
     "item 34.",
     "Use the exposed counter name (name_total) or the histogram's _count/_sum/_bucket.",
     "rate(vllm:num_preemptions[5m])"},
    {"OBS003", "observability", S::kError, "histogram_quantile whose aggregation drops le",
     "histogram_quantile over an aggregation (sum, max, ...) of classic _bucket series without "
     "le in by (...), with le in without (...), or with no grouping at all; aggregations "
     "written either as sum by (le) (...) or sum(...) by (le) are understood; native "
     "histograms (no _bucket) are not flagged.",
     "histogram_quantile needs the le label to find bucket boundaries; without it the result "
     "is meaningless. vLLM's reference rules use sum by (le, model_name). Research: "
     "agents-and-deploy.md §3.1, §4.2 item 35.",
     "Keep le in the grouping: sum by (le, ...) (rate(x_bucket[5m])).",
     "histogram_quantile(0.99, sum(rate(vllm:e2e_request_latency_seconds_bucket[5m])))"},
    {"OBS004", "observability", S::kWarning, "Alert rule without `for:`",
     "An alerting rule (alert:) with no for: or for: 0s. Recording rules are not alerts.",
     "Without a pending period one evaluation (a scrape gap, a short spike) pages someone; the "
     "vLLM reference rules all carry for:. Research: agents-and-deploy.md §4.2 item 35.",
     "Add for: (several evaluation intervals, e.g. 5m).",
     "- alert: VllmQueueHigh\n  expr: vllm:num_requests_waiting > 50"},
    // ---- CI/CD ----
    {"CICD001", "ci", S::kWarning, "Action pinned to a tag instead of a full SHA",
     "uses: owner/repo@ref (steps and reusable workflows) where ref is not a 40-character "
     "commit SHA, and docker:// actions without a digest. Local actions (./) are fine.",
     "Tags and branches can be moved to malicious code (the tj-actions/changed-files "
     "compromise); pinning full SHAs is GitHub's hardening advice and StepSecurity's "
     "standard fix (e.g. nodejs/doc-kit#114). Research: agents-and-deploy.md §4.2 item 37.",
     "Pin the commit SHA and keep the tag in a comment (uses: actions/checkout@<sha> # v4).",
     "uses: actions/checkout@v4"},
    {"CICD002", "ci", S::kWarning, "Workflow without permissions:",
     "No top-level permissions: and at least one job without its own permissions:.",
     "Without it GITHUB_TOKEN gets the repository default, often read/write on contents, "
     "packages and more, for every step and action. Research: agents-and-deploy.md §4.2 item "
     "37 (strix PR #862, StepSecurity PRs).",
     "Add permissions: {contents: read} at the top and widen per job.",
     "on: [push]\njobs: {build: {runs-on: ubuntu-latest, steps: [...]}}"},
    {"CICD003", "ci", S::kError, "LLM API secrets reachable from untrusted pull requests",
     "A workflow triggered by pull_request_target whose job checks out or fetches the pull "
     "request's code (github.event.pull_request.head.*, github.head_ref, gh pr checkout, "
     "refs/pull/) and references an LLM provider secret (OPENAI, ANTHROPIC, GEMINI, HF_TOKEN, "
     "LITELLM, ... in the secret name). pull_request workflows are safe: forks get no secrets.",
     "pull_request_target runs with the base repository's secrets; running the PR's code next "
     "to them lets any fork exfiltrate or spend the key (\"pwn request\"). Research: "
     "agents-and-deploy.md §4.2 item 38.",
     "Run PR code under pull_request, or gate on a maintainer label/environment and never mix "
     "the head checkout with secrets.",
     "on: pull_request_target + checkout head.sha + env: OPENAI_API_KEY"},
    {"CICD004", "ci", S::kWarning, "Model or prompt deployment without an evaluation step",
     "A step that deploys a model or prompt (sky serve up/update, llmctl deploy, helm/kubectl "
     "on vllm/llm/model/inference/serving manifests, huggingface-cli upload, prompt publish/"
     "push, ...) with no evaluation (promptfoo, lm-eval, deepeval, ragas, an eval/evaluate "
     "step) earlier in the job or in a job it needs (transitively).",
     "Model and prompt changes regress silently; promptfoo-action runs before/after evals on "
     "PRs (typpo/promptfoo-action) and HolmesGPT gates on regression evals "
     "(HolmesGPT/holmesgpt:pyproject.toml). Research: agents-and-deploy.md §4.2 items 13 and "
     "39.",
     "Run the eval suite in an earlier step or a needs: job and fail on regression.",
     "- run: helm upgrade vllm ./charts/vllm"},
    // ---- Gateway config ----
    {"GW001", "gateway", S::kWarning, "Model group with no fallback",
     "LiteLLM: a model_name with one deployment, not listed in router_settings/litellm_settings "
     "fallbacks and no default_fallbacks (wildcard groups excepted). llmctl gateway: a model "
     "group with one deployment.",
     "With one deployment and no fallback, a provider outage or a 429 storm fails every "
     "request for that model; LiteLLM's router, Portkey, Bifrost and TensorZero all make "
     "fallbacks first-class (shared/research/gateways.md §1).",
     "Add a second deployment (another provider/region) or a fallback group.",
     "model_list: [{model_name: gpt-4o, litellm_params: {model: openai/gpt-4o}}]"},
    {"GW002", "gateway", S::kWarning, "No spend or rate limits",
     "LiteLLM: no max_budget (global, end-user, internal-user, key defaults), no rpm/tpm/"
     "max_parallel_requests anywhere, no provider budget config. llmctl gateway: no limits/"
     "budgets section and no deployment max_concurrency.",
     "A leaked key or a runaway agent spends without bound; budgets and limits are the "
     "gateways' core governance features (gateways.md §1.1 LiteLLM, §1.4 Bifrost) and their "
     "most reported bugs (§0, §7).",
     "Set budgets and rate limits (per key, per deployment).",
     "model_list: [...]  # and no limits anywhere"},
    {"GW003", "gateway", S::kError, "Master/admin or provider key as a literal",
     "LiteLLM general_settings.master_key not read from os.environ/, or litellm_params.api_key "
     "written as a key (placeholders for local OpenAI-compatible servers are fine). llmctl "
     "gateway: admin_key/master_key or a deployment api_key as a literal (use api_key_env / "
     "api_key_file).",
     "Whoever reads the file administers the gateway or spends on the provider account; "
     "LiteLLM's docs use sk-1234 as the example master key, which then ships. Research: "
     "agents-and-deploy.md §4.2 item 11.",
     "Read keys from the environment (os.environ/NAME, api_key_env) backed by a Secret.",
     "general_settings: {master_key: sk-1234}"},
    {"GW004", "gateway", S::kWarning, "No request timeout",
     "LiteLLM: no litellm_settings.request_timeout, router_settings.timeout or per-deployment "
     "timeout (each deployment lacking one is reported when others have it). llmctl gateway: a "
     "deployment (not simulated) without timeouts: and no top-level timeouts.",
     "LiteLLM waits up to 6000 s by default (BerriAI/litellm:litellm/__init__.py "
     "request_timeout); llmctl's defaults allow 10 minutes in total. A stalled upstream then "
     "holds client connections and concurrency slots (gateways.md §5, Portkey #1797 on "
     "invisible mid-stream stalls).",
     "Set request and stream timeouts sized to the model's p99 latency.",
     "litellm_settings: {}  # no request_timeout"},
};

}  // namespace

const std::vector<RuleInfo>& all_rules() { return kRules; }

const RuleInfo* find_rule(std::string_view id) {
  for (const auto& r : kRules)
    if (iequals(r.id, id)) return &r;
  return nullptr;
}

}  // namespace llmctl::audit
