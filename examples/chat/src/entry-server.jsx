// Build-time prerendering: the app's first screen as HTML in dist/index.html (prerender.js), so
// the first paint needs no JavaScript; main.jsx then hydrates it.
import { renderToString } from 'react-dom/server';
import App from './App.jsx';

export function render() {
  return renderToString(<App />);
}
