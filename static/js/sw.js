// The service worker, served at /sw.js (boards/views/app.py puts self.OPENSPACES in
// front: the release stamp, the static files and the pages to store at once).
//
// Pages: network first, and the last stored copy when the network fails or takes longer
// than NETWORK_TIMEOUT_MS, marked so that the page says it is a stored copy and from when
// (static/js/offline.js). Static files: from the store of this release. Writes (POST) are
// never touched, stored or queued: a claim is a race for a slot and its answer must be seen.
"use strict";

var CONFIG = self.OPENSPACES;
var STATIC_CACHE = "openspaces-static-" + CONFIG.release;
var PAGES_CACHE = "openspaces-pages-" + CONFIG.release;
var NETWORK_TIMEOUT_MS = 3000;
// When a stored page was fetched; offline.js shows it ("this is the board as of 14:05").
var STORED_AT = "X-Openspaces-Stored-At";
// How many pages a deploy fetches again, so that a phone keeps its boards offline.
var REFETCHED_AFTER_DEPLOY = 40;

// Pages worth keeping offline: the boards, now and next, the cards, the claim forms
// (their text is kept by offline.js; sending still needs the network), the guide, the
// ideas wall and the ideas' pages.
// Each in the main language (no prefix) or another one (/es/…).
var KEPT = [/^\/$/, /^\/day\/\d{4}-\d{2}-\d{2}\/$/, /^\/now\/$/, /^\/card\/\d+\/$/, /^\/slot\/\d+\/claim\/$/,
  /^\/guide\/$/, /^\/ideas\/$/, /^\/idea\/\d+\/$/]
  .map(function (pattern) { return new RegExp("^(?:/[a-z]{2}(?:-[a-z]+)?)?" + pattern.source.slice(1)); });

function isKept(url) {
  return url.origin === self.location.origin && KEPT.some(function (pattern) {
    return pattern.test(url.pathname);
  });
}

function isStatic(url) {
  return url.origin === self.location.origin && CONFIG.static.indexOf(url.pathname) !== -1;
}

// A response that may be stored: a whole page (not an htmx fragment: same URL, other
// body), that the server lets anyone keep (never private or no-store: a manage link,
// the card page that shows it once).
function isStorable(response) {
  if (!response || (response.status !== 200 && response.status !== 410)) return false;
  if (response.type !== "basic" || response.redirected) return false;
  var control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !/private|no-store/.test(control);
}

function store(url, response) {
  var headers = new Headers(response.headers);
  headers.set(STORED_AT, new Date().toISOString());
  return response.blob().then(function (body) {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(url, new Response(body, {
        status: response.status, statusText: response.statusText, headers: headers,
      }));
    });
  });
}

function fetchAndStore(url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (isStorable(response)) return store(url, response.clone()).then(function () { return response; });
    return response;
  });
}

// The boards a page names: the board it shows (its calendar feed's link names the day:
// on the home page, today's board) and the next day's (its rel="next" link).
function boardLinks(html) {
  var links = [];
  var shown = html.match(/href="((?:\/[a-z]{2}(?:-[a-z]+)?)?\/day\/\d{4}-\d{2}-\d{2}\/)calendar\.ics"/);
  if (shown) links.push(shown[1]);
  (html.match(/<a\b[^>]*>/g) || []).forEach(function (tag) {
    var href = tag.match(/\bhref="([^"]+)"/);
    if (/\brel="next"/.test(tag) && href) links.push(href[1]);
  });
  return links;
}

function storeBoardsOf(url) {
  return caches.open(PAGES_CACHE).then(function (cache) { return cache.match(url); })
    .then(function (copy) { return copy ? copy.text() : ""; })
    .then(function (html) { return storeMissing(boardLinks(html)); });
}

// Stores the pages among `hrefs` that are kept and not stored yet.
function storeMissing(hrefs) {
  var urls = hrefs.map(function (href) { return new URL(href, self.location.origin); })
    .filter(isKept);
  return Promise.allSettled(urls.map(function (url) {
    return caches.open(PAGES_CACHE).then(function (cache) { return cache.match(url.href); })
      .then(function (stored) { return stored || fetchAndStore(url.href); });
  }));
}

// On the first visit: the static files, the home page and now-and-next, and the boards
// the home page names (today's and tomorrow's), so that a phone that opened the site
// once can read both boards in a dead hall.
self.addEventListener("install", function (event) {
  event.waitUntil(Promise.all([
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(CONFIG.static); }),
    Promise.allSettled(CONFIG.pages.concat(offlinePages()).map(fetchAndStore)).then(function () {
      return storeBoardsOf(new URL("/", self.location.origin).href);
    }),
  ]).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // A deploy: the pages stored before it name the old static files, so they are fetched
  // again (the network works: the new worker just came from it), then the old stores go.
  event.waitUntil(caches.keys().then(function (names) {
    var old = names.filter(function (name) {
      return name.indexOf("openspaces-") === 0 && name !== STATIC_CACHE && name !== PAGES_CACHE;
    });
    var refetched = old.filter(function (name) { return name.indexOf("openspaces-pages-") === 0; })
      .map(function (name) {
        return caches.open(name).then(function (cache) { return cache.keys(); }).then(function (requests) {
          return Promise.allSettled(requests.slice(0, REFETCHED_AFTER_DEPLOY).map(function (request) {
            return fetchAndStore(request.url);
          }));
        });
      });
    return Promise.allSettled(refetched).then(function () {
      return Promise.all(old.map(function (name) { return caches.delete(name); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

// The page asks for the boards it links to (today's and tomorrow's) to be stored now,
// so that they can be read in a dead hall without having been opened.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (!Array.isArray(data.store)) return;
  event.waitUntil(storeMissing(data.store).then(function (results) {
    if (event.ports[0]) event.ports[0].postMessage({ stored: results.length });
  }));
});

// The app's own offline page (boards/views/app.py), one per language: what a navigation
// gets with no network and no stored copy, instead of the browser's error page.
function offlinePages() {
  return Object.keys(CONFIG.offline).map(function (prefix) { return CONFIG.offline[prefix]; });
}

function offlinePage(url, error) {
  var language = url.pathname.match(/^(\/[a-z]{2}(?:-[a-z]+)?)\//);
  var page = CONFIG.offline[language && CONFIG.offline[language[1]] ? language[1] : ""];
  return caches.open(PAGES_CACHE).then(function (cache) { return cache.match(page); })
    .then(function (copy) {
      if (copy) return copy;
      throw error;  // not stored either (storage cleared): the browser's own page
    });
}

function networkFirst(event) {
  var request = event.request;
  var url = request.url.split("#")[0];
  var network = fetch(request);
  var stored = caches.open(PAGES_CACHE).then(function (cache) { return cache.match(url); });
  // The stored copy, marked for offline.js; undefined when there is none.
  var fallback = function () {
    return stored.then(function (copy) { return copy ? marked(copy) : undefined; });
  };
  var fresh = network.then(function (response) {
    if (isStorable(response)) event.waitUntil(store(url, response.clone()));
    return response;
  });
  var timeout = new Promise(function (resolve) {
    setTimeout(function () { fallback().then(resolve); }, NETWORK_TIMEOUT_MS);
  });
  return new Promise(function (resolve, reject) {
    var settled = false;
    function answer(response) {
      if (!settled && response) { settled = true; resolve(response); }
    }
    fresh.then(answer, function (error) {
      fallback().then(function (copy) {
        if (copy) answer(copy);
        else if (!settled) {
          settled = true;
          offlinePage(new URL(url), error).then(resolve, reject);
        }
      });
    });
    timeout.then(answer);  // no copy: keep waiting for the network
  });
}

// The stored page with the time it was stored on its <body>, where offline.js finds it.
function marked(response) {
  var storedAt = response.headers.get(STORED_AT) || "";
  return response.text().then(function (html) {
    var body = html.replace(/<body\b/, '<body data-stored-at="' + storedAt.replace(/[^0-9TZ:.-]/g, "") + '"');
    var headers = new Headers(response.headers);
    headers.delete("Content-Length");
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;  // writes go to the network, or fail visibly
  var url = new URL(request.url);
  if (isStatic(url)) {
    event.respondWith(caches.match(request, { cacheName: STATIC_CACHE }).then(function (hit) {
      return hit || fetch(request);
    }));
    return;
  }
  // Whole pages only: htmx asks the same URLs for fragments (HX-Request), which the live
  // page swaps in itself and which fail, harmlessly, while offline.
  if (request.mode === "navigate" && isKept(url) && !url.search) {
    event.respondWith(networkFirst(event));
  } else if (request.mode === "navigate" && url.origin === self.location.origin) {
    // Any other page (never stored: a search, a manage link, the guide): the network,
    // or the app's offline page when there is none.
    event.respondWith(fetch(request).catch(function (error) { return offlinePage(url, error); }));
  }
});
