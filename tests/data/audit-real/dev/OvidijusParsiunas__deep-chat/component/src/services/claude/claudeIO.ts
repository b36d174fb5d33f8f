import {DEFINE_FUNCTION_HANDLER, FUNCTION_TOOL_RESPONSE_STRUCTURE_ERROR} from '../../utils/errorMessages/errorMessages';
import {AUTHENTICATION_ERROR_PREFIX, INVALID_REQUEST_ERROR_PREFIX, OBJECT} from '../utils/serviceConstants';
import {CLAUDE_BUILD_HEADERS, CLAUDE_BUILD_KEY_VERIFICATION_DETAILS} from './utils/claudeUtils';
import {ClaudeContent, ClaudeMessage, ClaudeRequestBody} from '../../types/claudeInternal';
import {ClaudeResult, ClaudeTextContent, ClaudeToolUse} from '../../types/claudeResult';
import {Claude, ClaudeChat, ClaudeSystemBlock} from '../../types/claude';
import {DirectConnection} from '../../types/directConnection';
import {MessageContentI} from '../../types/messagesInternal';
import {Messages} from '../../views/chat/messages/messages';
import {Response as ResponseI} from '../../types/response';
import {DirectServiceIO} from '../utils/directServiceIO';
import {MessageFile} from '../../types/messageFile';
import {APIKey} from '../../types/APIKey';
import {DeepChat} from '../../deepChat';
import {
  DEEP_COPY,
  STRINGIFY,
  STRING,
  ERROR,
  IMAGE,
  FILE,
  ROLE,
  TEXT,
  TYPE,
  USER,
  SRC,
} from '../../utils/consts/messageConstants';

// https://docs.anthropic.com/en/api/messages
export class ClaudeIO extends DirectServiceIO {
  override insertKeyPlaceholderText = this.genereteAPIKeyName('Claude');
  override keyHelpUrl = 'https://console.anthropic.com/settings/keys';
  private static readonly CLAUDE_BASE_URL = 'https://api.anthropic.com/v1/';
  url = `${ClaudeIO.CLAUDE_BASE_URL}messages`;
  permittedErrorPrefixes = [AUTHENTICATION_ERROR_PREFIX, INVALID_REQUEST_ERROR_PREFIX];
  private _streamToolCalls: ClaudeToolUse = {[TYPE]: 'tool_use', id: '', name: '', input: ''};
  private _systemBlocks?: ClaudeSystemBlock[];

  constructor(deepChat: DeepChat) {
    const directConnectionCopy = DEEP_COPY(deepChat.directConnection) as DirectConnection;
    const config = directConnectionCopy.claude as Claude & APIKey;
    super(deepChat, CLAUDE_BUILD_KEY_VERIFICATION_DETAILS(), CLAUDE_BUILD_HEADERS, config);
    this.url = ClaudeIO.buildUrl(config);
    if (typeof config === OBJECT) {
      const configObj = config as ClaudeChat & APIKey & {system_prompt?: string};
      this.extractSystemBlocks(configObj);
      this.cleanConfig(configObj);
      this.completeConfig(configObj, (deepChat.directConnection?.claude as ClaudeChat)?.function_handler);
    }
    this.maxMessages ??= -1;
    this.rawBody.model ??= 'claude-sonnet-4-6';
    this.rawBody.max_tokens ??= 4096;
  }

  private static buildUrl(config: Claude & APIKey) {
    const baseUrl = (typeof config === 'object' && config?.custom_base_url) || ClaudeIO.CLAUDE_BASE_URL;
    return `${baseUrl}messages`;
  }

  private extractSystemBlocks(config: ClaudeChat) {
    if (Array.isArray(config.system_prompt)) {
      this._systemBlocks = config.system_prompt;
      delete config.system_prompt;
    }
  }

  private cleanConfig(config: ClaudeChat) {
    delete config.custom_base_url;
  }
  private static getFileContent(files: MessageFile[]): ClaudeContent[] {
    return files.map((file) => {
      if (file[TYPE] === IMAGE) {
        const base64Data = file[SRC]?.split(',')[1];
        const mediaType = file[SRC]?.match(/data:([^;]+)/)?.[1] || 'image/jpeg';
        return {[TYPE]: IMAGE, source: {[TYPE]: 'base64', media_type: mediaType, data: base64Data || ''}};
      }
      return {[TYPE]: TEXT, [TEXT]: `[Unsupported ${FILE} ${TYPE}: ${file[TYPE]}]`};
    });
  }

  private preprocessBody(body: ClaudeRequestBody, pMessages: MessageContentI[]) {
    const bodyCopy = DEEP_COPY(body) as ClaudeRequestBody;
    const processedMessages = this.processMessages(pMessages).map((message) => {
      return {
        content: ClaudeIO.getTextWFilesContent(message, ClaudeIO.getFileContent),
        [ROLE]: DirectServiceIO.getRoleViaUser(message[ROLE]),
      } as ClaudeMessage;
    });

    bodyCopy.messages = processedMessages;
    if (this._systemBlocks) {
      bodyCopy.system = this._systemBlocks;
    } else if (this.systemMessage) {
      bodyCopy.system = this.systemMessage;
    }
    return bodyCopy;
  }

  override async callServiceAPI(messages: Messages, pMessages: MessageContentI[]) {
    this.messages ??= messages;
    this.callDirectServiceServiceAPI(messages, pMessages, this.preprocessBody.bind(this), {});
  }

  override async extractResultData(result: ClaudeResult, prevBody?: ClaudeRequestBody): Promise<ResponseI> {
    if (result[ERROR]) throw result[ERROR].message;

    // Handle non-streaming response (final response)
    if (result.content && result.content.length > 0) {
      // Check for tool use in the response
      const toolUseContent = result.content.find((item): item is ClaudeToolUse => item[TYPE] === 'tool_use');
      if (toolUseContent) {
        return this.handleTools([toolUseContent], prevBody);
      }

      const textContent = result.content.find((item): item is ClaudeTextContent => item[TYPE] === TEXT);
      if (textContent) {
        return {[TEXT]: textContent[TEXT]};
      }
    }

    // Handle streaming events
    if (result[TYPE] === 'content_block_delta') {
      if (result.delta && result.delta[TYPE] === 'text_delta') {
        return {[TEXT]: result.delta[TEXT] || ''};
      }
    }

    // Handle streaming response
    if (result[TYPE] === 'content_block_start' && result.content_block?.[TYPE] === 'tool_use') {
      this._streamToolCalls = result.content_block;
      this._streamToolCalls.input = '';
    } else if (result[TYPE] === 'content_block_delta' && result.delta?.[TYPE] === 'input_json_delta') {
      this._streamToolCalls.input += result.delta.partial_json || '';
    } else if (result[TYPE] === 'message_delta' && result.delta?.stop_reason === 'tool_use') {
      this._streamToolCalls.input = this._streamToolCalls.input ? JSON.parse(this._streamToolCalls.input) : {};
      return this.handleTools([this._streamToolCalls], prevBody);
    }

    // Return empty for other event types (message_start, content_block_start, etc.)
    return {[TEXT]: ''};
  }

  private async handleTools(toolUseBlocks: ClaudeToolUse[], prevBody?: ClaudeRequestBody): Promise<ResponseI> {
    if (!toolUseBlocks || !prevBody || !this.functionHandler) {
      throw Error(DEFINE_FUNCTION_HANDLER);
    }
    const bodyCp = DEEP_COPY(prevBody);
    const functions = toolUseBlocks.map((block) => {
      return {name: block.name, arguments: STRINGIFY(block.input)};
    });
    const {responses, processedResponse} = await this.callToolFunction(this.functionHandler, functions);
    if (processedResponse) return processedResponse;

    // Add assistant message with tool use
    const assistantContent = toolUseBlocks.map((block) => ({
      [TYPE]: 'tool_use',
      id: block.id,
      name: block.name,
      input: block.input,
    }));
    bodyCp.messages.push({
      [ROLE]: 'assistant',
      content: assistantContent,
    });

    // Add tool results
    if (!responses.find(({response}) => typeof response !== STRING) && functions.length === responses.length) {
      const toolResultContent = responses.map((resp, index) => ({
        [TYPE]: 'tool_result' as const,
        tool_use_id: toolUseBlocks[index].id,
        content: resp.response,
      }));

      bodyCp.messages.push({[ROLE]: USER, content: toolResultContent});

      return this.makeAnotherRequest(bodyCp, this.messages);
    }
    throw Error(FUNCTION_TOOL_RESPONSE_STRUCTURE_ERROR);
  }
}
