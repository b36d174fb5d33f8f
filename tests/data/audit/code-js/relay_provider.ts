// A provider class of a relaying proxy: its own method named fetch is a definition, and
// super.fetch(...) passes the caller's request on; neither is a new LLM call.
// negative: LLM001, LLM002, LLM005
import { ProviderBase } from "./provider_base";

export class GoogleAiStudio extends ProviderBase {
  readonly baseUrlProp: string = "https://generativelanguage.googleapis.com";

  async fetch(
    pathname: string,
    init?: Parameters<typeof fetch>[1],
  ): ReturnType<typeof fetch> {
    const headers = { ...(init?.headers as Record<string, string>), Authorization: "Bearer x" };
    return super.fetch(pathname, { ...init, headers });
  }
}
