// Recognise helpdesk ticket URLs. Same rules as assist/watcher/urls.py; both are tested against
// extension/url_cases.json. Strict on purpose: a lookalike URL must never switch the sidebar.
//
// parseTicketUrl(text, sites) -> {provider, ticket_id, base_url} | null
//   sites: [{provider, base_url}] configured by the agent/IT; when empty, the canonical hosts
//   <sub>.zendesk.com and <sub>.freshdesk.com, and any RT .../Ticket/Display.html?id=N, match.

const ID = "([1-9][0-9]{0,18})";
const PATHS = {
  zendesk: new RegExp(`^/agent/tickets/${ID}(?:/[A-Za-z0-9_/-]*)?$`),
  freshdesk: new RegExp(`^/(?:a|helpdesk)/tickets/${ID}(?:/[A-Za-z0-9_/-]*)?$`),
};
const RT_PAGE = "/Ticket/Display.html";
const RT_ID = new RegExp(`^${ID}$`);
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const CANONICAL = { zendesk: ".zendesk.com", freshdesk: ".freshdesk.com" };

function normalizeBase(url) {
  const u = new URL(url.trim());
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}

function matchPath(provider, path, search) {
  if (provider === "rt") {
    if (path !== RT_PAGE) return null;
    const ids = new URLSearchParams(search).getAll("id");
    if (ids.length !== 1) return null;
    const m = RT_ID.exec(ids[0]);
    return m ? m[1] : null;
  }
  const m = PATHS[provider].exec(path);
  return m ? m[1] : null;
}

function parseTicketUrl(text, sites = []) {
  if (typeof text !== "string") return null;
  let url = text.trim().replace(/^<+|>+$/g, "").trim();
  if (!url || /\s/.test(url) || url.length > 2048) return null;
  // Non-ASCII (IDN lookalikes) and "\" (treated as "/" by the URL parser) are refused outright.
  if (!/^[\x21-\x7e]*$/.test(url) || url.includes("\\")) return null;
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || !u.hostname) return null;
  if (u.username || u.password || /^[a-z]+:\/\/[^/?#]*@/i.test(url)) return null;
  const origin = `${u.protocol}//${u.host}`;
  const path = u.pathname;
  if (sites && sites.length) {
    for (const site of sites) {
      let base;
      try {
        base = new URL(normalizeBase(site.base_url));
      } catch {
        continue;
      }
      if (`${base.protocol}//${base.host}` !== origin) continue;
      const prefix = base.pathname.replace(/\/+$/, "");
      if (prefix && !(path === prefix || path.startsWith(prefix + "/"))) continue;
      const id = matchPath(site.provider, path.slice(prefix.length), u.search);
      if (id) return { provider: site.provider, ticket_id: id, base_url: normalizeBase(site.base_url) };
    }
    return null;
  }
  const host = u.hostname;
  for (const [provider, suffix] of Object.entries(CANONICAL)) {
    if (host.endsWith(suffix)) {
      if (u.protocol !== "https:" || u.port) return null;
      if (!SUBDOMAIN.test(host.slice(0, -suffix.length))) return null;
      const id = matchPath(provider, path, u.search);
      return id ? { provider, ticket_id: id, base_url: origin } : null;
    }
  }
  if (path.endsWith(RT_PAGE)) {
    const id = matchPath("rt", RT_PAGE, u.search);
    if (id) return { provider: "rt", ticket_id: id, base_url: origin + path.slice(0, -RT_PAGE.length) };
  }
  return null;
}

if (typeof module !== "undefined") module.exports = { parseTicketUrl, normalizeBase };
