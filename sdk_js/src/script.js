// Lazy chunks (builder, survey): one <script> each, with the page's CSP nonce.

/**
 * Load a script by URL.
 * @param {string} src
 * @param {string} [nonce] the host page's CSP nonce
 * @returns {Promise<void>} settles when it has run (or failed to load)
 */
export var loadScript = (src, nonce) =>
  new Promise((res, rej) => {
    var el = document.createElement('script');
    el.src = src;
    el.nonce = nonce || '';
    el.onload = res;
    el.onerror = rej;
    document.head.append(el);
  });
