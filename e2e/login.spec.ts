// Logging in and out through the form, as a person does.
import { expect, test } from "./fixtures";
import { ensureUser } from "./support/console-api";

test.use({ role: "anonymous" });

test("a wrong password is refused with a message and no session", async ({ page, loginPage }) => {
  await loginPage.open();
  await loginPage.logIn("admin", "not-the-password");
  await expect(loginPage.error).toContainText(/wrong username or password/i);
  await loginPage.expectShown();
  // Still signed out: the fleet page sends us back to the form.
  await page.goto("/");
  await loginPage.expectShown();
});

test("the right password lands on the fleet page with the local agent", async ({ loginPage, fleetPage, stack }) => {
  await loginPage.open();
  await loginPage.logIn("admin", stack.adminPassword);
  await fleetPage.expectShown();
  await fleetPage.expectSignedInAs("admin", "admin");
  await expect(fleetPage.agentCard(stack.agentId)).toBeVisible();
});

test("logging out returns to the login page and ends the session", async ({ page, loginPage, fleetPage, stack }) => {
  await loginPage.open();
  await loginPage.logIn("admin", stack.adminPassword);
  await fleetPage.expectShown();
  await fleetPage.logOut();
  await loginPage.expectShown();
  await page.goto("/");
  await loginPage.expectShown();
});

test("a user changes their own password on their account page, and only the new one signs in", async ({ page, loginPage, fleetPage, adminApi }) => {
  const user = { username: "changer", password: "changer first password" };
  await ensureUser(adminApi, { ...user, role: "viewer" });
  await loginPage.open();
  await loginPage.logIn(user.username, user.password);
  await fleetPage.expectShown();
  await page.getByTestId("nav-tokens").click();
  await page.getByTestId("password-current").fill("not my password");
  await page.getByTestId("password-new").fill("changer second password");
  await page.getByTestId("password-again").fill("changer second password");
  await page.getByTestId("password-submit").click();
  await expect(page.getByTestId("password-error")).toContainText("the current password is wrong");
  await page.getByTestId("password-current").fill(user.password);
  await page.getByTestId("password-submit").click();
  await expect(page.getByTestId("password-changed")).toBeVisible();
  await fleetPage.open();
  await fleetPage.logOut();
  await loginPage.open();
  await loginPage.logIn(user.username, user.password);
  await expect(loginPage.error).toContainText(/wrong username or password/i);
  await loginPage.logIn(user.username, "changer second password");
  await fleetPage.expectShown();
});
