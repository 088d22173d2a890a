// Log lines shaped like the real CLIs write them, for unit tests. Real-CLI fixtures live in test/fixtures.

/** An assistant line shaped like Claude Code 2.1.197 writes it (notes/claude-code-logs.md §3). */
export function assistantLine(o: {
  id?: string;
  requestId?: string | null;
  model?: string;
  sessionId?: string;
  timestamp?: string;
  usage?: Record<string, unknown>;
  sidechain?: string;
  extra?: Record<string, unknown>;
}): string {
  return JSON.stringify({
    parentUuid: 'p',
    isSidechain: Boolean(o.sidechain),
    ...(o.sidechain ? { agentId: o.sidechain } : {}),
    message: {
      id: o.id ?? 'msg_1',
      type: 'message',
      role: 'assistant',
      model: o.model ?? 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      usage: o.usage ?? {
        input_tokens: 10,
        cache_creation_input_tokens: 300,
        cache_read_input_tokens: 2000,
        output_tokens: 50,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
        server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 },
        service_tier: 'standard',
        speed: 'standard',
      },
    },
    ...(o.requestId === null ? {} : { requestId: o.requestId ?? 'req_1' }),
    type: 'assistant',
    uuid: 'u',
    timestamp: o.timestamp ?? '2026-11-23T00:16:50.644Z',
    cwd: '/home/dev/demo',
    sessionId: o.sessionId ?? 's-1',
    gitBranch: 'feature/x',
    ...o.extra,
  });
}
