// Lazy chunks (builder, survey): one <script> each, with the page's CSP nonce.

/**
 * Load the chunk <host>/sdk/v1/shirube-<name>.js.
 * @param {string} host the Shirube server ('' for this origin)
 * @param {string} name builder | survey | debug
 * @param {string} [nonce] the host page's CSP nonce
 * @returns {Promise<void>} settles when it has run (or failed to load)
 */
export var loadScript = (host, name, nonce) =>
  new Promise((res, rej) => {
    var el = document.createElement('script');
    el.src = host + '/sdk/v1/shirube-' + name + '.js';
    el.nonce = nonce || '';
    el.onload = res;
    el.onerror = rej;
    document.head.append(el);
  });
