package model

import (
	"context"
	"errors"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kagent-dev/kagent/go/api/v1alpha1"
	"github.com/kagent-dev/kagent/go/api/v1alpha3"
	"github.com/kagent-dev/kagent/go/core/internal/service/serviceerrors"
)

// ProviderModelRefresher refreshes the discovered models for one provider config.
type ProviderModelRefresher interface {
	RefreshModelProviderConfigModels(ctx context.Context, namespace, name string) ([]string, error)
}

type ServiceOption func(*Service)

func WithProviderModelRefresher(refresher ProviderModelRefresher) ServiceOption {
	return func(service *Service) {
		service.providerModelRefresher = refresher
	}
}

type ModelInfo struct {
	Name            string `json:"name"`
	FunctionCalling bool   `json:"function_calling"`
}

type ProviderModels map[v1alpha3.ModelProvider][]ModelInfo

type ProviderDefinition struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	RequiredParams []string `json:"requiredParams"`
	OptionalParams []string `json:"optionalParams"`
}

type ConfiguredProvider struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
}

type GetProviderModelsRequest struct {
	Name    string
	Refresh bool
}

type ProviderModelsResult struct {
	Provider string   `json:"provider"`
	Models   []string `json:"models"`
}

func (s *Service) ListSupportedModels(context.Context) ProviderModels {
	// The keys need to match what the UI expects (camelCase for API keys)
	// List of models is built from the following sites:
	//   OpenAI   -> https://developers.openai.com/api/docs/models
	//   Anthropic-> https://platform.claude.com/docs/en/about-claude/models/model-ids-and-versions
	//   Azure    -> https://learn.microsoft.com/azure/foundry/foundry-models
	//   Gemini   -> https://ai.google.dev/gemini-api/docs/models
	//   Bedrock  -> https://docs.aws.amazon.com/bedrock/latest/userguide/model-cards.html
	//   Vertex   -> https://platform.claude.com/docs/en/build-with-claude/claude-in-google-cloud-vertex-ai
	//   SAP      -> SAP Note 3437766 (live model/version table)
	return ProviderModels{
		v1alpha3.ModelProviderOpenAI: {
			// GPT-5.6 family
			{Name: "gpt-5.6-terra", FunctionCalling: true},
			{Name: "gpt-5.6-luna", FunctionCalling: true},
			// GPT-5.x point releases
			{Name: "gpt-5.5", FunctionCalling: true},
			{Name: "gpt-5.5-pro", FunctionCalling: true},
			{Name: "gpt-5.4", FunctionCalling: true},
			{Name: "gpt-5.4-pro", FunctionCalling: true},
			{Name: "gpt-5.4-mini", FunctionCalling: true},
			{Name: "gpt-5.4-nano", FunctionCalling: true},
			{Name: "gpt-5.3-codex", FunctionCalling: true},
			{Name: "gpt-5.2", FunctionCalling: true},
			{Name: "gpt-5.2-pro", FunctionCalling: true},
			{Name: "gpt-5.1", FunctionCalling: true},
			{Name: "gpt-5", FunctionCalling: true},
			{Name: "gpt-5-mini", FunctionCalling: true},
			{Name: "gpt-5-nano", FunctionCalling: true},
			{Name: "gpt-5-pro", FunctionCalling: true},
			// Reasoning (o-series)
			{Name: "o3", FunctionCalling: true},
			{Name: "o3-pro", FunctionCalling: true},
			{Name: "o3-mini", FunctionCalling: true}, // deprecated
			{Name: "o4-mini", FunctionCalling: true}, // deprecated
			// GPT-4.1 family
			{Name: "gpt-4.1", FunctionCalling: true},
			{Name: "gpt-4.1-mini", FunctionCalling: true},
			{Name: "gpt-4.1-nano", FunctionCalling: true}, // deprecated
			// Legacy (still callable, but marked deprecated by OpenAI)
			{Name: "gpt-4o", FunctionCalling: true},
			{Name: "gpt-4o-mini", FunctionCalling: true},
			{Name: "gpt-4-turbo", FunctionCalling: true},
			{Name: "gpt-4", FunctionCalling: true},
			{Name: "gpt-3.5-turbo", FunctionCalling: true},
		},
		v1alpha3.ModelProviderAnthropic: {
			{Name: "claude-fable-5", FunctionCalling: true},
			{Name: "claude-opus-4-8", FunctionCalling: true},
			{Name: "claude-opus-4-7", FunctionCalling: true},
			{Name: "claude-opus-4-6", FunctionCalling: true},
			{Name: "claude-sonnet-5", FunctionCalling: true},
			{Name: "claude-sonnet-4-6", FunctionCalling: true},
			{Name: "claude-haiku-4-5", FunctionCalling: true},
			// Legacy dated snapshots
			{Name: "claude-opus-4-1-20250805", FunctionCalling: true},
			{Name: "claude-opus-4-20250514", FunctionCalling: true},
			{Name: "claude-sonnet-4-20250514", FunctionCalling: true},
			{Name: "claude-sonnet-4-5", FunctionCalling: true},
			{Name: "claude-3-7-sonnet-20250219", FunctionCalling: true},
			{Name: "claude-3-5-sonnet-20240620", FunctionCalling: true},
		},
		v1alpha3.ModelProviderAzureOpenAI: {
			// Azure rollout lags OpenAI; newer point releases may be region-limited.
			{Name: "gpt-5.5", FunctionCalling: true},
			{Name: "gpt-5.4", FunctionCalling: true},
			{Name: "gpt-5.4-mini", FunctionCalling: true},
			{Name: "gpt-5.4-nano", FunctionCalling: true},
			{Name: "gpt-5.2", FunctionCalling: true},
			{Name: "gpt-5.1", FunctionCalling: true},
			{Name: "gpt-5", FunctionCalling: true},
			{Name: "gpt-5-mini", FunctionCalling: true},
			{Name: "gpt-5-nano", FunctionCalling: true},
			{Name: "gpt-4.1", FunctionCalling: true},
			{Name: "gpt-4.1-mini", FunctionCalling: true},
			{Name: "gpt-4.1-nano", FunctionCalling: true},
			{Name: "gpt-4o", FunctionCalling: true},
			{Name: "gpt-4o-mini", FunctionCalling: true},
			{Name: "o4-mini", FunctionCalling: true},
			{Name: "o3", FunctionCalling: true},
			{Name: "o3-mini", FunctionCalling: true},
			{Name: "gpt-4", FunctionCalling: true},
			{Name: "gpt-35-turbo", FunctionCalling: true}, // Azure spelling (no dot)
			{Name: "gpt-oss-120b", FunctionCalling: true},
		},
		v1alpha3.ModelProviderFoundry: {
			// Azure AI Foundry serves many vendors' chat-completion models through
			// its OpenAI-compatible data plane. These are common suggestions; the
			// value is the model name, while the Foundry deployment name is set
			// separately in the model config.
			//
			// Claude (Anthropic) models on Foundry are served via the Anthropic
			// Messages API rather than this OpenAI-compatible surface, so they are
			// intentionally omitted here; Claude-on-Foundry support is coming later.
			{Name: "gpt-4.1", FunctionCalling: true},
			{Name: "gpt-4.1-mini", FunctionCalling: true},
			{Name: "gpt-4.1-nano", FunctionCalling: true},
			{Name: "gpt-4o", FunctionCalling: true},
			{Name: "gpt-4o-mini", FunctionCalling: true},
			{Name: "o4-mini", FunctionCalling: true},
			{Name: "Phi-4", FunctionCalling: true},
			{Name: "Phi-4-mini-instruct", FunctionCalling: true},
			{Name: "DeepSeek-V3.1", FunctionCalling: true},
			{Name: "Llama-3.3-70B-Instruct", FunctionCalling: true},
			{Name: "Meta-Llama-3.1-8B-Instruct", FunctionCalling: true},
			{Name: "Mistral-large", FunctionCalling: true},
			{Name: "cohere-command-a", FunctionCalling: true},
			{Name: "grok-3", FunctionCalling: true},
		},
		v1alpha3.ModelProviderOllama: {
			// FunctionCalling flags corrected: recent Ollama builds of these models
			// support tool calling.
			{Name: "llama3.3", FunctionCalling: true},
			{Name: "llama3.1", FunctionCalling: true},
			{Name: "qwen2.5-coder", FunctionCalling: true},
			{Name: "mistral", FunctionCalling: true},
			{Name: "mixtral", FunctionCalling: true},
			{Name: "deepseek-r1", FunctionCalling: false}, // tool support inconsistent across tags
			{Name: "llama2", FunctionCalling: false},
			{Name: "llama2:13b", FunctionCalling: false},
			{Name: "llama2:70b", FunctionCalling: false},
		},
		v1alpha3.ModelProviderGemini: {
			// Gemini 3 family
			{Name: "gemini-3.5-flash", FunctionCalling: true},
			{Name: "gemini-3.1-pro", FunctionCalling: true},
			{Name: "gemini-3-pro", FunctionCalling: true},
			{Name: "gemini-3-flash", FunctionCalling: true},
			{Name: "gemini-3.1-flash-lite", FunctionCalling: true},
			// Gemini 2.5 family (still available)
			{Name: "gemini-2.5-pro", FunctionCalling: true},
			{Name: "gemini-2.5-flash", FunctionCalling: true},
			{Name: "gemini-2.5-flash-lite", FunctionCalling: true},
		},
		v1alpha3.ModelProviderGeminiVertexAI: {
			{Name: "gemini-3.5-flash", FunctionCalling: true},
			{Name: "gemini-3.1-pro", FunctionCalling: true},
			{Name: "gemini-3-pro", FunctionCalling: true},
			{Name: "gemini-3-flash", FunctionCalling: true},
			{Name: "gemini-3.1-flash-lite", FunctionCalling: true},
			{Name: "gemini-2.5-pro", FunctionCalling: true},
			{Name: "gemini-2.5-flash", FunctionCalling: true},
			{Name: "gemini-2.5-flash-lite", FunctionCalling: true},
		},
		v1alpha3.ModelProviderAnthropicVertexAI: {
			{Name: "claude-opus-4-8", FunctionCalling: true},
			{Name: "claude-opus-4-7", FunctionCalling: true},
			{Name: "claude-sonnet-5", FunctionCalling: true},
			{Name: "claude-sonnet-4-6", FunctionCalling: true},
			// Legacy (@-dated form)
			{Name: "claude-opus-4-1@20250805", FunctionCalling: true},
			{Name: "claude-sonnet-4@20250514", FunctionCalling: true},
			{Name: "claude-haiku-4-5@20251001", FunctionCalling: true},
		},
		v1alpha3.ModelProviderBedrock: {
			{Name: "global.anthropic.claude-fable-5", FunctionCalling: true},
			{Name: "global.anthropic.claude-opus-4-8", FunctionCalling: true},
			{Name: "global.anthropic.claude-opus-4-7", FunctionCalling: true},
			{Name: "global.anthropic.claude-sonnet-5", FunctionCalling: true},
			{Name: "global.anthropic.claude-sonnet-4-6", FunctionCalling: true},
			{Name: "us.anthropic.claude-haiku-4-5-20251001-v1:0", FunctionCalling: true},
			// Older but still valid (inference-profile required)
			{Name: "global.anthropic.claude-sonnet-4-5-20250929-v1:0", FunctionCalling: true},
			{Name: "global.anthropic.claude-opus-4-5-20251101-v1:0", FunctionCalling: true},
			// Legacy Claude 3.x (mostly retired/legacy on Bedrock)
			{Name: "anthropic.claude-3-sonnet-20240229-v1:0", FunctionCalling: true},
			{Name: "us.anthropic.claude-3-5-haiku-20241022-v1:0", FunctionCalling: true},
			// Amazon Nova
			{Name: "us.amazon.nova-2-lite-v1:0", FunctionCalling: false},
		},
		v1alpha3.ModelProviderSAPAICore: {
			// Anthropic (via SAP Generative AI Hub proxy naming)
			{Name: "anthropic--claude-4.7-opus", FunctionCalling: true},
			{Name: "anthropic--claude-4.6-sonnet", FunctionCalling: true},
			{Name: "anthropic--claude-4.6-opus", FunctionCalling: true},
			{Name: "anthropic--claude-4.5-sonnet", FunctionCalling: true},
			{Name: "anthropic--claude-4.5-opus", FunctionCalling: true},
			{Name: "anthropic--claude-4.5-haiku", FunctionCalling: true},
			{Name: "anthropic--claude-4-sonnet", FunctionCalling: true},
			{Name: "anthropic--claude-4-opus", FunctionCalling: true},
			{Name: "anthropic--claude-3-haiku", FunctionCalling: true},
			// OpenAI
			{Name: "gpt-5.4", FunctionCalling: true},
			{Name: "gpt-5.4-nano", FunctionCalling: true},
			{Name: "gpt-5.2", FunctionCalling: true},
			{Name: "gpt-5", FunctionCalling: true},
			{Name: "gpt-5-mini", FunctionCalling: true},
			{Name: "gpt-5-nano", FunctionCalling: true},
			{Name: "gpt-4o", FunctionCalling: true},
			{Name: "gpt-4o-mini", FunctionCalling: true},
			{Name: "gpt-4.1", FunctionCalling: true},
			{Name: "gpt-4.1-mini", FunctionCalling: true},
			{Name: "gpt-4.1-nano", FunctionCalling: true},
			{Name: "o3", FunctionCalling: true},
			{Name: "o3-mini", FunctionCalling: true},
			{Name: "o4-mini", FunctionCalling: true},
			// Gemini
			{Name: "gemini-3-pro-preview", FunctionCalling: true},
			{Name: "gemini-3.1-flash-lite", FunctionCalling: true},
			{Name: "gemini-2.5-pro", FunctionCalling: true},
			{Name: "gemini-2.5-flash", FunctionCalling: true},
			{Name: "gemini-2.5-flash-lite", FunctionCalling: true},
			// Amazon Nova
			{Name: "amazon--nova-premier", FunctionCalling: true},
			{Name: "amazon--nova-pro", FunctionCalling: true},
			{Name: "amazon--nova-lite", FunctionCalling: false},
			{Name: "amazon--nova-micro", FunctionCalling: false},
			// Meta / Mistral / Cohere
			{Name: "meta--llama3-70b-instruct", FunctionCalling: false},
			{Name: "mistralai--mistral-large-instruct", FunctionCalling: true},
			{Name: "mistralai--mistral-small-instruct", FunctionCalling: true},
			{Name: "mistralai--mistral-medium-instruct", FunctionCalling: true},
			{Name: "cohere--command-a-reasoning", FunctionCalling: true},
			// DeepSeek / Qwen
			{Name: "deepseek-v3.2", FunctionCalling: true},
			{Name: "deepseek-r1-0528", FunctionCalling: true},
			{Name: "qwen3-max", FunctionCalling: true},
			{Name: "qwen3.5-plus", FunctionCalling: true},
			{Name: "qwen-turbo", FunctionCalling: true},
			{Name: "qwen-flash", FunctionCalling: true},
			// Perplexity Sonar
			{Name: "sonar-deep-research", FunctionCalling: false},
			{Name: "sonar-pro", FunctionCalling: false},
			{Name: "sonar", FunctionCalling: false},
			// SAP
			{Name: "sap-abap-1", FunctionCalling: false},
		},
	}
}

func (s *Service) ListSupportedModelProviders(context.Context) []ProviderDefinition {
	providersData := []struct {
		providerEnum v1alpha3.ModelProvider
		configType   reflect.Type
	}{
		{v1alpha3.ModelProviderOpenAI, reflect.TypeFor[v1alpha3.OpenAIConfig]()},
		{v1alpha3.ModelProviderAnthropic, reflect.TypeFor[v1alpha3.AnthropicConfig]()},
		{v1alpha3.ModelProviderAzureOpenAI, reflect.TypeFor[v1alpha3.AzureOpenAIConfig]()},
		{v1alpha3.ModelProviderFoundry, reflect.TypeFor[v1alpha3.FoundryConfig]()},
		{v1alpha3.ModelProviderOllama, reflect.TypeFor[v1alpha3.OllamaConfig]()},
		{v1alpha3.ModelProviderGemini, reflect.TypeFor[v1alpha3.GeminiConfig]()},
		{v1alpha3.ModelProviderGeminiVertexAI, reflect.TypeFor[v1alpha3.GeminiVertexAIConfig]()},
		{v1alpha3.ModelProviderAnthropicVertexAI, reflect.TypeFor[v1alpha3.AnthropicVertexAIConfig]()},
		{v1alpha3.ModelProviderBedrock, reflect.TypeFor[v1alpha3.BedrockConfig]()},
		{v1alpha3.ModelProviderSAPAICore, reflect.TypeFor[v1alpha3.SAPAICoreConfig]()},
	}

	providers := []ProviderDefinition{}
	for _, providerData := range providersData {
		providers = append(providers, providerDefinition(
			string(providerData.providerEnum),
			getStructJSONKeys(providerData.configType),
			getRequiredKeysForModelProvider(providerData.providerEnum),
		))
	}
	return providers
}

func (s *Service) ListSupportedMemoryProviders(context.Context) []ProviderDefinition {
	providersData := []struct {
		providerEnum v1alpha1.MemoryProvider
		configType   reflect.Type
	}{
		{v1alpha1.Pinecone, reflect.TypeFor[v1alpha1.PineconeConfig]()},
	}

	providers := []ProviderDefinition{}
	for _, providerData := range providersData {
		providers = append(providers, providerDefinition(
			string(providerData.providerEnum),
			getStructJSONKeys(providerData.configType),
			getRequiredKeysForMemoryProvider(providerData.providerEnum),
		))
	}
	return providers
}

func (s *Service) ListConfiguredProviders(ctx context.Context) ([]ConfiguredProvider, error) {
	var modelProviderConfigList v1alpha3.ModelProviderConfigList
	if err := s.kubeClient.List(ctx, &modelProviderConfigList, client.InNamespace(s.defaultNamespace)); err != nil {
		return nil, serviceerrors.NewInternal("Failed to list model provider configs", err)
	}

	var providers []ConfiguredProvider
	for _, providerConfig := range modelProviderConfigList.Items {
		if meta.IsStatusConditionTrue(providerConfig.Status.Conditions, v1alpha3.ModelProviderConfigConditionTypeReady) {
			providers = append(providers, ConfiguredProvider{
				Name:     providerConfig.Name,
				Type:     string(providerConfig.Spec.Type),
				Endpoint: providerConfig.Spec.GetEndpoint(),
			})
		}
	}
	return providers, nil
}

func (s *Service) GetProviderModels(ctx context.Context, request GetProviderModelsRequest) (ProviderModelsResult, error) {
	if request.Name == "" {
		return ProviderModelsResult{}, serviceerrors.NewInvalidArgument("Model provider name is required", nil)
	}

	var models []string
	if request.Refresh {
		if s.providerModelRefresher == nil {
			return ProviderModelsResult{}, serviceerrors.NewInternal(
				"Failed to refresh models for model provider",
				errors.New("provider model refresher is not configured"),
			)
		}
		refreshedModels, err := s.providerModelRefresher.RefreshModelProviderConfigModels(ctx, s.defaultNamespace, request.Name)
		if err != nil {
			return ProviderModelsResult{}, serviceerrors.NewInternal("Failed to refresh models for model provider", err)
		}
		models = refreshedModels
	} else {
		providerConfig := &v1alpha3.ModelProviderConfig{}
		if err := s.kubeClient.Get(ctx, client.ObjectKey{Namespace: s.defaultNamespace, Name: request.Name}, providerConfig); err != nil {
			if apierrors.IsNotFound(err) {
				return ProviderModelsResult{}, serviceerrors.NewNotFound(err.Error(), err)
			}
			return ProviderModelsResult{}, serviceerrors.NewInternal("Failed to get model provider config", err)
		}
		if len(providerConfig.Status.DiscoveredModels) == 0 {
			return ProviderModelsResult{}, serviceerrors.NewNotFound("No models discovered for model provider, try refreshing", nil)
		}
		models = providerConfig.Status.DiscoveredModels
	}

	return ProviderModelsResult{Provider: request.Name, Models: models}, nil
}

func providerDefinition(name string, allKeys, requiredKeys []string) ProviderDefinition {
	requiredSet := make(map[string]struct{}, len(requiredKeys))
	for _, key := range requiredKeys {
		requiredSet[key] = struct{}{}
	}

	optionalKeys := []string{}
	for _, key := range allKeys {
		if key == "endpointFrom" {
			continue
		}
		if _, required := requiredSet[key]; !required {
			optionalKeys = append(optionalKeys, key)
		}
	}

	return ProviderDefinition{
		Name:           name,
		Type:           name,
		RequiredParams: requiredKeys,
		OptionalParams: optionalKeys,
	}
}

func getRequiredKeysForModelProvider(providerType v1alpha3.ModelProvider) []string {
	switch providerType {
	case v1alpha3.ModelProviderAzureOpenAI:
		return []string{"azureEndpoint", "apiVersion"}
	case v1alpha3.ModelProviderBedrock:
		return []string{"region"}
	case v1alpha3.ModelProviderSAPAICore:
		return []string{"baseUrl"}
	case v1alpha3.ModelProviderFoundry:
		return []string{"deployment", "endpoint"}
	case v1alpha3.ModelProviderOpenAI, v1alpha3.ModelProviderAnthropic, v1alpha3.ModelProviderOllama:
		return []string{}
	default:
		return []string{}
	}
}

func getRequiredKeysForMemoryProvider(providerType v1alpha1.MemoryProvider) []string {
	switch providerType {
	case v1alpha1.Pinecone:
		return []string{"indexHost"}
	default:
		return []string{}
	}
}

func getStructJSONKeys(structType reflect.Type) []string {
	keys := []string{}
	if structType.Kind() != reflect.Struct {
		return keys
	}
	for field := range structType.Fields() {
		jsonTag := field.Tag.Get("json")
		if jsonTag != "" && jsonTag != "-" {
			tagParts := strings.Split(jsonTag, ",")
			keys = append(keys, tagParts[0])
		}
	}
	return keys
}
