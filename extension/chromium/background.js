// Service worker: follow the active tab's URL (including in-page navigation of the helpdesk
// single-page apps) and tell Agent Assist which ticket is open, through native messaging.
// Nothing else leaves the browser: only {provider, base_url, ticket_id}, and only for ticket URLs.

if (typeof importScripts === "function" && typeof parseTicketUrl === "undefined") importScripts("ticket_url.js");

const HOST = "com.agentassist.watcher";
const api = typeof browser !== "undefined" ? browser : chrome;
let lastSent = "";

async function configuredSites() {
  // IT can push sites through managed storage (policy); otherwise the canonical hosts apply.
  try {
    const managed = await api.storage.managed.get("sites");
    if (Array.isArray(managed.sites)) return managed.sites;
  } catch {
    /* no policy */
  }
  return [];
}

async function report(url) {
  const ref = parseTicketUrl(url || "", await configuredSites());
  if (!ref) return;
  const key = `${ref.provider}|${ref.base_url}|${ref.ticket_id}`;
  if (key === lastSent) return; // same ticket: nothing to tell
  lastSent = key;
  try {
    await api.runtime.sendNativeMessage(HOST, ref);
  } catch (err) {
    lastSent = ""; // app not running or host not installed: try again on the next navigation
    console.debug("Agent Assist not reachable:", err && err.message);
  }
}

async function reportActiveTab() {
  const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
  if (tab) await report(tab.url);
}

api.tabs.onActivated.addListener(() => reportActiveTab());
api.tabs.onUpdated.addListener((tabId, changeInfo, tab) => {
  if (changeInfo.url && tab.active) report(changeInfo.url);
});
api.windows.onFocusChanged.addListener((id) => {
  if (id !== api.windows.WINDOW_ID_NONE) reportActiveTab();
});
// Zendesk/Freshdesk agent UIs navigate with history.pushState; tabs.onUpdated usually sees it,
// webNavigation makes sure.
api.webNavigation.onHistoryStateUpdated.addListener((details) => {
  if (details.frameId === 0) {
    api.tabs.get(details.tabId).then((tab) => tab.active && report(details.url));
  }
});
