// The suite's `test`: the built-in `page` signed in as `role` (admin unless a spec says
// `test.use({ role: "viewer" })` or "anonymous"), API contexts for setup and for requests a page
// would never send, the stack's settings and the page objects.
//
// Sessions are made once per worker through the login API (not the form: login.spec.ts covers
// that) and handed to each test's fresh browser context as storageState.
import { test as base, expect, type APIRequestContext, type BrowserContextOptions } from "@playwright/test";
import { ensureUser, logIn } from "./support/console-api";
import { readStack, type StackSettings } from "./support/stack-settings";
import { AgentPage } from "./pages/agent-page";
import { DebugVarsPage } from "./pages/debug-vars-page";
import { FleetPage } from "./pages/fleet-page";
import { LoginPage } from "./pages/login-page";

// Worker-scoped API contexts sit idle between tests for longer than the console's 5 s keep-alive:
// a request sent just as the server closes that idle socket fails with ECONNRESET (Node's client
// does not resend a POST). One connection per request sidesteps the race; loopback ones are cheap.
const workerApiHeaders = (origin: string) => ({ origin, connection: "close" });

export type Role = "admin" | "viewer" | "anonymous";
type StorageState = Exclude<BrowserContextOptions["storageState"], string | undefined>;

interface Credentials {
  username: string;
  password: string;
}

interface Sessions {
  admin: Credentials;
  viewer: Credentials;
  /** The role's cookies, logged in on first use; undefined for anonymous. */
  state(role: Role): Promise<StorageState | undefined>;
}

interface WorkerFixtures {
  stack: StackSettings;
  sessions: Sessions;
  /** Requests as the admin, with the same-origin Origin header the console requires on writes. */
  adminApi: APIRequestContext;
  /** Requests with no session at all (but a same-origin Origin, so only the missing session counts). */
  anonymousApi: APIRequestContext;
}

interface TestFixtures {
  role: Role;
  loginPage: LoginPage;
  fleetPage: FleetPage;
  agentPage: AgentPage;
  debugVarsPage: DebugVarsPage;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their deps
    async ({}, use) => use(readStack()),
    { scope: "worker" },
  ],

  sessions: [
    async ({ playwright, stack }, use, workerInfo) => {
      const admin = { username: "admin", password: stack.adminPassword };
      // One viewer per worker, so parallel workers never share (or log out) each other's sessions.
      const viewer = { username: `viewer${workerInfo.workerIndex}`, password: "viewer-e2e-password" };
      const cache = new Map<Role, Promise<StorageState>>();
      // Always an explicit storageState: request contexts made during a test otherwise inherit its own.
      const context = (storageState: StorageState = { cookies: [], origins: [] }) =>
        playwright.request.newContext({ baseURL: stack.baseURL, storageState, extraHTTPHeaders: { origin: stack.baseURL } });
      const open = async (who: Credentials) => {
        const api = await context();
        try {
          await logIn(api, who.username, who.password);
          return await api.storageState();
        } finally {
          await api.dispose();
        }
      };
      const createViewer = async () => {
        const api = await context(await state("admin"));
        try {
          await ensureUser(api, { ...viewer, role: "viewer" });
        } finally {
          await api.dispose();
        }
      };
      const state = async (role: Role): Promise<StorageState | undefined> => {
        if (role === "anonymous") return undefined;
        let s = cache.get(role);
        if (!s) {
          s = role === "admin" ? open(admin) : createViewer().then(() => open(viewer));
          cache.set(role, s);
        }
        return s;
      };
      await use({ admin, viewer, state });
    },
    { scope: "worker" },
  ],

  adminApi: [
    async ({ playwright, stack, sessions }, use) => {
      const api = await playwright.request.newContext({
        baseURL: stack.baseURL,
        storageState: await sessions.state("admin"),
        extraHTTPHeaders: workerApiHeaders(stack.baseURL),
      });
      await use(api);
      await api.dispose();
    },
    { scope: "worker" },
  ],
  anonymousApi: [
    async ({ playwright, stack }, use) => {
      // An explicit empty state: request contexts made during a test otherwise inherit its storageState.
      const api = await playwright.request.newContext({
        baseURL: stack.baseURL,
        storageState: { cookies: [], origins: [] },
        extraHTTPHeaders: workerApiHeaders(stack.baseURL),
      });
      await use(api);
      await api.dispose();
    },
    { scope: "worker" },
  ],

  role: ["admin", { option: true }],
  storageState: async ({ role, sessions }, use) => use(await sessions.state(role)),

  loginPage: async ({ page }, use) => use(new LoginPage(page)),
  fleetPage: async ({ page }, use) => use(new FleetPage(page)),
  agentPage: async ({ page }, use) => use(new AgentPage(page)),
  debugVarsPage: async ({ page }, use) => use(new DebugVarsPage(page)),
});

export { expect };
