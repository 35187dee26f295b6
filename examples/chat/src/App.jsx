import { useEffect, useRef, useState } from 'react';
import { reportError, trackEvent, trackPerformanceMetric } from 'edgewatch-sdk';
import { appConfig, RELEASE, websocketUrl } from './monitoring.js';
import { ChatSocket, streamSSE } from './transports.js';

const TRANSPORTS = [
  { id: 'sse', label: 'SSE', title: 'Server-Sent Events over POST /api/chat' },
  { id: 'ws', label: 'WebSocket', title: 'WebSocket at /api/ws' },
];

let nextId = 1;
const conversationId = `conv-${Date.now().toString(36)}`;

// The "real error" control: a genuine bug, not a synthetic throw. There is no system message,
// so `pinned` is undefined and reading .text from it throws a TypeError.
function pinnedText(messages) {
  const pinned = messages.find((m) => m.role === 'system');
  return pinned.text.trim();
}

export default function App() {
  const [messages, setMessages] = useState([]);
  const [draft, setDraft] = useState('');
  const [transport, setTransport] = useState('sse');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [stats, setStats] = useState(null);
  const listRef = useRef(null);
  const abortRef = useRef(null);
  const socketRef = useRef(null);

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages]);

  useEffect(() => () => socketRef.current?.close(), []);

  function append(id, token) {
    setMessages((ms) => ms.map((m) => (m.id === id ? { ...m, text: m.text + token } : m)));
  }

  function finish(id, fields) {
    setMessages((ms) => ms.map((m) => (m.id === id ? { ...m, streaming: false, ...fields } : m)));
  }

  async function send(event) {
    event.preventDefault();
    const message = draft.trim();
    if (!message || busy) return;
    const config = await appConfig;
    const replyId = nextId + 1;
    nextId += 2;
    setDraft('');
    setBusy(true);
    setNotice('');
    setMessages((ms) => [
      ...ms,
      { id: replyId - 1, role: 'user', text: message },
      { id: replyId, role: 'assistant', text: '', streaming: true, transport },
    ]);
    trackEvent({ name: 'message_sent', properties: { transport, length: message.length } });

    const started = performance.now();
    let first = 0;
    let tokens = 0;
    const onToken = (token) => {
      if (!tokens++) first = performance.now() - started;
      append(replyId, token);
    };
    try {
      if (transport === 'sse') {
        abortRef.current = new AbortController();
        await streamSSE({
          apiUrl: config.apiUrl,
          message,
          conversationId,
          signal: abortRef.current.signal,
          onToken,
        });
      } else {
        socketRef.current ??= new ChatSocket(websocketUrl(config));
        await socketRef.current.send({ message, onToken });
      }
      const total = performance.now() - started;
      const summary = { transport, ttft: first, total, tokens };
      finish(replyId, { summary });
      setStats(summary);
      const tags = { transport };
      trackPerformanceMetric({ name: 'chat.time_to_first_token', value: first, unit: 'ms', tags });
      trackPerformanceMetric({ name: 'chat.reply_duration', value: total, unit: 'ms', tags });
      trackPerformanceMetric({ name: 'chat.reply_tokens', value: tokens, unit: 'count', tags });
    } catch (error) {
      if (error.name === 'AbortError') {
        finish(replyId, { stopped: true });
      } else {
        finish(replyId, { failed: error.message });
        reportError({ error, context: { transport, tokens } });
      }
    } finally {
      abortRef.current = null;
      setBusy(false);
    }
  }

  function stop() {
    abortRef.current?.abort();
    if (transport === 'ws') socketRef.current?.close();
  }

  function throwError() {
    setNotice('Threw a TypeError. It is now an issue on the edgewatch dashboard.');
    trackEvent({ name: 'error_button' });
    pinnedText(messages);
  }

  return (
    <div className="app">
      <header className="bar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>edgewatch chat</span>
        </div>
        <div className="transport" role="radiogroup" aria-label="Transport">
          {TRANSPORTS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="radio"
              aria-checked={transport === t.id}
              title={t.title}
              data-testid={`transport-${t.id}`}
              disabled={busy}
              onClick={() => setTransport(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <nav className="actions">
          <a href="/_edgewatch/" target="_blank" rel="noreferrer">
            Dashboard
          </a>
          <button type="button" className="danger" data-testid="throw-error" onClick={throwError}>
            Throw an error
          </button>
        </nav>
      </header>

      <main className="messages" ref={listRef} aria-live="polite">
        {messages.length === 0 && (
          <section className="empty">
            <h1>Say something.</h1>
            <p>
              The reply streams from the example orchestrator through edgewatch&apos;s gateway,
              token by token, over Server-Sent Events or a WebSocket. Errors, web vitals and timings
              go to edgewatch&apos;s monitoring backend.
            </p>
          </section>
        )}
        {messages.map((m) => (
          <article key={m.id} className={`msg ${m.role}`} data-testid={`${m.role}-message`}>
            <div className="bubble">
              {m.text}
              {m.streaming && <span className="cursor" aria-hidden="true" />}
            </div>
            {m.summary && (
              <div className="meta">
                {m.transport === 'ws' ? 'WebSocket' : 'SSE'} · first token{' '}
                {Math.round(m.summary.ttft)} ms · {m.summary.tokens} tokens in{' '}
                {(m.summary.total / 1000).toFixed(1)} s
              </div>
            )}
            {m.failed && <div className="meta error">{m.failed}</div>}
            {m.stopped && <div className="meta">stopped</div>}
          </article>
        ))}
      </main>

      {notice && (
        <div className="notice" role="status" data-testid="notice">
          {notice}
        </div>
      )}

      <form className="composer" onSubmit={send}>
        <input
          data-testid="message-input"
          aria-label="Message"
          placeholder="Message the orchestrator"
          value={draft}
          autoComplete="off"
          onChange={(e) => setDraft(e.target.value)}
        />
        {busy ? (
          <button type="button" onClick={stop} data-testid="stop">
            Stop
          </button>
        ) : (
          <button type="submit" data-testid="send" disabled={!draft.trim()}>
            Send
          </button>
        )}
      </form>
      {/* The changing text on the left, where its growth moves nothing (CLS). */}
      <footer className="status">
        <span>
          {stats
            ? `last reply: ${Math.round(stats.ttft)} ms to first token, ${stats.tokens} ${stats.tokens === 1 ? 'token' : 'tokens'}`
            : 'no reply yet'}
        </span>
        <span>{RELEASE}</span>
      </footer>
    </div>
  );
}
