// What the end-to-end tests watch of a streamed chat reply, shared by the plain and the https
// tests: the reply the example orchestrator sends, and every render of it in the page.

// The orchestrator's reply (examples/orchestrator/reply.cpp), word by word.
export function expectedReply(message) {
  return (
    `You said: ${message}. Here is a streamed reply from the example orchestrator, sent one ` +
    'token at a time so that every hop shows its latency.'
  );
}

// Records every change of the last assistant bubble's text, with its time, from inside the
// page (a MutationObserver sees each render; polling from outside could miss steps).
export async function recordStream(page) {
  await page.evaluate(() => {
    const samples = [];
    const start = performance.now();
    const record = () => {
      const bubbles = document.querySelectorAll('[data-testid="assistant-message"] .bubble');
      const last = bubbles[bubbles.length - 1];
      if (!last) return;
      const text = last.textContent;
      if (text && (!samples.length || samples[samples.length - 1].text !== text)) {
        samples.push({ t: performance.now() - start, text });
      }
    };
    const observer = new MutationObserver(record);
    observer.observe(document.querySelector('main'), {
      subtree: true,
      childList: true,
      characterData: true,
    });
    window.__stream = { samples, start, observer };
  });
}

// Milliseconds since recordStream() started.
export async function streamNow(page) {
  return page.evaluate(() => performance.now() - window.__stream.start);
}

// Stops recording and returns the renders seen: [{ t, text }].
export async function streamSamples(page) {
  return page.evaluate(() => {
    window.__stream.observer.disconnect();
    return window.__stream.samples;
  });
}
