// The two ways a reply streams from the orchestrator through edgewatch's gateway.

// POST {apiUrl}/chat; the answer is text/event-stream: `data: {"token":"..."}` per token, then
// `event: done`. Read with fetch and a ReadableStream so each token is handed over as it lands.
export async function streamSSE({ apiUrl, message, conversationId, signal, onToken }) {
  const response = await fetch(`${apiUrl.replace(/\/$/, '')}/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ message, conversation_id: conversationId }),
    signal,
  });
  const type = response.headers.get('Content-Type') || '';
  if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
    const detail = await response.text().catch(() => '');
    throw new Error(`chat failed: HTTP ${response.status} ${detail.slice(0, 200)}`.trim());
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('chat stream ended before its done event');
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (event === 'done') {
        // Read to the end so the connection goes back to the keep-alive pool.
        while (!(await reader.read()).done);
        return;
      }
      if (data.length) {
        const payload = JSON.parse(data.join('\n'));
        if (typeof payload.token === 'string') onToken(payload.token);
      }
    }
  }
}

// One WebSocket to {apiUrl}/ws, opened on first use and reopened when it drops. Each message
// is answered with {"type":"token","token":"..."} frames, then {"type":"done"}.
export class ChatSocket {
  constructor(url) {
    this.url = url;
    this.socket = null;
    this.current = null;
  }

  open() {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return this.ready;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.ready = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(socket), { once: true });
      socket.addEventListener('error', () => reject(new Error(`WebSocket ${this.url} failed`)), {
        once: true,
      });
    });
    socket.addEventListener('message', (event) => {
      const turn = this.current;
      if (!turn) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === 'token') turn.onToken(frame.token);
      else if (frame.type === 'done') {
        this.current = null;
        turn.resolve();
      }
    });
    socket.addEventListener('close', (event) => {
      if (this.socket === socket) this.socket = null;
      if (this.current) {
        const turn = this.current;
        this.current = null;
        turn.reject(new Error(`WebSocket closed mid-reply (code ${event.code})`));
      }
    });
    return this.ready;
  }

  async send({ message, onToken }) {
    const socket = await this.open();
    return new Promise((resolve, reject) => {
      this.current = { onToken, resolve, reject };
      socket.send(JSON.stringify({ message }));
    });
  }

  close() {
    this.socket?.close();
    this.socket = null;
  }
}
