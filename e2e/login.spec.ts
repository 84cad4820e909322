// Logging in and out through the form, as a person does.
import { expect, test } from "./fixtures";

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
