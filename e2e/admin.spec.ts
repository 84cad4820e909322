// An admin manages people and scripts from the browser: create a user, create an API token (shown
// once, then usable), revoke it, delete the user — and each change lands in the audit log.
import { expect, test } from "./fixtures";

test("an admin creates and deletes a user, and creates, uses and revokes an API token", async ({ page, playwright, stack }) => {
  const username = `pat${Date.now().toString(36)}`;
  await page.goto("/users");

  await page.getByTestId("user-new-username").fill(username);
  await page.getByTestId("user-new-password").fill("short");
  await page.getByTestId("user-create").click();
  await expect(page.getByTestId("users-panel")).toContainText("at least");
  await expect(page.getByTestId(`user-row-${username}`)).toHaveCount(0);

  await page.getByTestId("user-new-password").fill("a long enough password");
  await page.getByTestId("user-new-role").selectOption("viewer");
  await page.getByTestId("user-create").click();
  await expect(page.getByTestId(`user-row-${username}`)).toContainText("viewer");

  await page.getByTestId("token-new-name").fill(`${username}-script`);
  await page.getByTestId("token-create").click();
  const token = (await page.getByTestId("token-value").textContent())?.trim() ?? "";
  expect(token.length).toBeGreaterThan(20);

  // The token works for a script (no cookies), then stops working once revoked.
  const script = await playwright.request.newContext({ baseURL: stack.baseURL, storageState: { cookies: [], origins: [] } });
  const agents = () => script.get("/api/agents", { headers: { authorization: `Bearer ${token}` } });
  expect((await agents()).status()).toBe(200);

  const row = page.getByTestId("tokens-table").locator("tr", { hasText: `${username}-script` });
  await row.getByRole("button").click();
  await page.getByTestId("confirm-ok").click();
  await expect(page.getByTestId("tokens-table").locator("tr", { hasText: `${username}-script` })).toHaveCount(0);
  expect((await agents()).status()).toBe(401);
  await script.dispose();

  await page.getByTestId(`user-delete-${username}`).click();
  await page.getByTestId("confirm-ok").click();
  await expect(page.getByTestId(`user-row-${username}`)).toHaveCount(0);

  await page.goto("/audit");
  const audit = page.getByTestId("audit-table");
  for (const action of ["user.create", "token.create", "token.delete", "user.delete"]) {
    await expect(audit.locator("[data-testid=audit-row]", { hasText: action }).filter({ hasText: username }).first()).toBeVisible();
  }
});
